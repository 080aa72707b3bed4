from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from flowbuilder.accounts.models import ApiKey
from flowbuilder.accounts.services import api_key_authenticate, api_key_create, api_key_revoke


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(client, marketer):
    client.force_login(marketer)
    response = client.post(reverse("accounts:settings"), {"name": "Web shop"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("fb_")
    assert key in response.content.decode()
    row = ApiKey.objects.get(user=marketer)
    assert key not in (row.prefix, row.key_hash, row.name)
    assert row.key_hash == ApiKey.hash(key)
    again = client.get(reverse("accounts:settings"))
    assert key not in again.content.decode()
    assert f"fb_{row.prefix}_" in again.content.decode()


def test_a_key_needs_a_name(client, marketer):
    client.force_login(marketer)
    response = client.post(reverse("accounts:settings"), {"name": "   "})
    assert response.status_code == 400
    assert "Give the key a name" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_an_api_key_authenticates_api_requests_as_its_owner(api_client, viewer):
    _, key = api_key_create(user=viewer, name="CRM sync")
    response = api_client.get("/api/v1/me/", **bearer(key))
    assert response.status_code == 200
    assert response.json() == {
        "id": viewer.pk,
        "username": "victor",
        "email": "victor@example.com",
        "name": "Victor Viewer",
        "role": "viewer",
        "auth": "api_key",
    }


def test_a_revoked_key_is_refused_at_once(api_client, marketer):
    row, key = api_key_create(user=marketer, name="Old")
    api_key_revoke(user=marketer, key_id=row.pk)
    response = api_client.get("/api/v1/me/", **bearer(key))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert "revoked" in response.json()["error"]["message"]


@pytest.mark.parametrize("header", ["Bearer fb_nope", "Bearer ", "Bearer fb_aaaaaaaaaaaa_" + "x" * 43])
def test_wrong_keys_get_401_naming_the_problem(api_client, header, db):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_key_of_a_deactivated_user_stops_working(api_client, marketer):
    _, key = api_key_create(user=marketer, name="k")
    marketer.is_active = False
    marketer.save()
    assert api_client.get("/api/v1/me/", **bearer(key)).status_code == 401


def test_nobody_can_revoke_someone_elses_key(client, marketer, viewer):
    row, _ = api_key_create(user=marketer, name="Mine")
    client.force_login(viewer)
    response = client.post(reverse("accounts:api_key_revoke", args=[row.pk]))
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_the_owner_revokes_a_key_from_the_settings_page(client, viewer):
    row, key = api_key_create(user=viewer, name="Mine")
    client.force_login(viewer)
    response = client.post(reverse("accounts:api_key_revoke", args=[row.pk]), follow=True)
    assert "revoked" in response.content.decode()
    assert api_key_authenticate(key=key) is None


def test_last_use_is_recorded_at_most_once_a_minute(marketer):
    row, key = api_key_create(user=marketer, name="k")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api_key_authenticate(key=key)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api_key_authenticate(key=key)
    row.refresh_from_db()
    assert row.last_used_at == start
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        api_key_authenticate(key=key)
    row.refresh_from_db()
    assert row.last_used_at == start + timedelta(minutes=2)


def test_creating_a_key_without_a_name_is_a_validation_error(marketer):
    with pytest.raises(ValidationError):
        api_key_create(user=marketer, name="")
