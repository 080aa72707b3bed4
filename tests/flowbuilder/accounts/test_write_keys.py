from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flowbuilder.accounts.authentication import write_key_from_request
from flowbuilder.accounts.models import WriteKey
from flowbuilder.accounts.services import (
    api_key_create,
    write_key_authenticate,
    write_key_create,
    write_key_revoke,
)


def basic(username: str, password: str = "", scheme: str = "Basic") -> str:
    return f"{scheme} {base64.b64encode(f'{username}:{password}'.encode()).decode()}"


def request_with(authorization: str | None) -> WSGIRequest:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return RequestFactory().post("/v1/track", headers=headers)


# --- Services ------------------------------------------------------------------------------


def test_a_new_write_key_is_returned_once_and_only_its_hash_is_stored(marketer):
    row, key = write_key_create(name="  Web shop  ", user=marketer)
    assert key.startswith(f"wk_{row.prefix}_")
    assert len(key) == len(f"wk_{row.prefix}_") + 43  # 32 random bytes, URL-safe base64
    row.refresh_from_db()
    assert row.name == "Web shop"
    assert row.created_by == marketer
    assert row.key_hash == WriteKey.hash(key)
    assert key not in (row.prefix, row.key_hash, row.name)
    assert row.is_active


def test_two_write_keys_differ(marketer):
    (_, first), (_, second) = write_key_create(name="a", user=marketer), write_key_create(name="b", user=marketer)
    assert first != second


def test_a_write_key_authenticates_with_the_key_itself(marketer):
    row, key = write_key_create(name="App", user=marketer)
    assert write_key_authenticate(key=key) == row


def test_authenticating_a_write_key_is_one_query_when_last_use_is_fresh(marketer):
    _, key = write_key_create(name="App", user=marketer)
    write_key_authenticate(key=key)
    with CaptureQueriesContext(connection) as queries:
        assert write_key_authenticate(key=key) is not None
    assert len(queries) == 1


@pytest.mark.parametrize(
    "wrong",
    [
        "",
        "wk_nope",
        "fb_aaaaaaaaaaaa_" + "x" * 43,
        "wk_aaaaaaaaaaaa_" + "x" * 43,
        "wk_AAAAAAAAAAAA_" + "x" * 43,
        "wk_aaaaaaaaaaaa_" + "x" * 42,
        " wk_aaaaaaaaaaaa_" + "x" * 43,
    ],
)
def test_malformed_and_unknown_write_keys_are_refused(wrong, db):
    assert write_key_authenticate(key=wrong) is None


def test_a_write_key_with_the_right_prefix_but_a_wrong_secret_is_refused(marketer):
    row, key = write_key_create(name="App", user=marketer)
    forged = f"wk_{row.prefix}_" + ("A" if key[-1] != "A" else "B") * 43
    assert write_key_authenticate(key=forged) is None


def test_a_revoked_write_key_is_refused_at_once(marketer):
    row, key = write_key_create(name="App", user=marketer)
    write_key_revoke(write_key=row)
    assert write_key_authenticate(key=key) is None
    assert not row.is_active


def test_revoking_a_write_key_twice_keeps_the_first_time(marketer):
    row, _ = write_key_create(name="App", user=marketer)
    first = timezone.now()
    write_key_revoke(write_key=row, now=first)
    write_key_revoke(write_key=row, now=first + timedelta(hours=1))
    stale_copy = WriteKey.objects.get(pk=row.pk)
    stale_copy.revoked_at = None
    write_key_revoke(write_key=stale_copy, now=first + timedelta(hours=2))
    row.refresh_from_db()
    assert row.revoked_at == first
    assert stale_copy.revoked_at == first


def test_a_write_key_keeps_working_when_its_creator_is_deactivated_or_deleted(marketer):
    _, key = write_key_create(name="App", user=marketer)
    marketer.is_active = False
    marketer.save()
    assert write_key_authenticate(key=key) is not None
    marketer.delete()
    assert write_key_authenticate(key=key).created_by is None


def test_last_use_of_a_write_key_is_recorded_at_most_once_a_minute(marketer):
    row, key = write_key_create(name="App", user=marketer)
    start = timezone.now()
    write_key_authenticate(key=key, now=start)
    write_key_authenticate(key=key, now=start + timedelta(seconds=30))
    row.refresh_from_db()
    assert row.last_used_at == start
    write_key_authenticate(key=key, now=start + timedelta(minutes=2))
    row.refresh_from_db()
    assert row.last_used_at == start + timedelta(minutes=2)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_write_key_needs_a_name_of_at_most_100_characters(marketer, name):
    with pytest.raises(ValidationError) as caught:
        write_key_create(name=name, user=marketer)
    assert "name" in caught.value.message_dict
    assert not WriteKey.objects.exists()


def test_a_name_of_exactly_100_characters_is_fine(marketer):
    row, _ = write_key_create(name="x" * 100, user=marketer)
    assert row.name == "x" * 100


def test_a_personal_api_key_is_not_a_write_key(marketer):
    _, key = api_key_create(user=marketer, name="CRM")
    assert write_key_authenticate(key=key) is None
    assert write_key_from_request(request_with(basic(key))) is None


# --- Settings page -------------------------------------------------------------------------


def test_a_marketer_creates_a_write_key_and_sees_it_once(client, marketer):
    client.force_login(marketer)
    response = client.post(reverse("accounts:write_key_create"), {"name": "Mobile app"})
    assert response.status_code == 200
    key = response.context["new_write_key"]
    page = response.content.decode()
    assert key in page
    assert "Write key “Mobile app” created." in page
    row = WriteKey.objects.get()
    assert row.created_by == marketer
    assert write_key_authenticate(key=key) == row
    again = client.get(reverse("accounts:settings")).content.decode()
    assert key not in again
    assert f"wk_{row.prefix}_" in again
    assert "Mia Marketer" in again


def test_a_write_key_without_a_name_is_refused_with_the_reason(client, marketer):
    client.force_login(marketer)
    response = client.post(reverse("accounts:write_key_create"), {"name": " "})
    assert response.status_code == 400
    assert "Give the write key a name" in response.content.decode()
    assert not WriteKey.objects.exists()


def test_the_settings_page_shows_the_ingest_address(client, viewer, settings):
    settings.SITE_URL = "https://flow.example.com"
    client.force_login(viewer)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Write keys for analytics SDKs" in page
    assert "https://flow.example.com/v1/" in page


def test_a_marketer_revokes_a_write_key(client, marketer, viewer):
    row, key = write_key_create(name="Old site", user=viewer)
    client.force_login(marketer)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("accounts:write_key_revoke", args=[row.pk]) in page
    response = client.post(reverse("accounts:write_key_revoke", args=[row.pk]), follow=True)
    assert "Write key “Old site” revoked." in response.content.decode()
    assert write_key_authenticate(key=key) is None


def test_revoking_a_write_key_that_does_not_exist_is_404(client, marketer):
    client.force_login(marketer)
    assert client.post(reverse("accounts:write_key_revoke", args=[999])).status_code == 404


def test_a_viewer_sees_write_keys_but_cannot_create_or_revoke_them(client, viewer, marketer):
    row, key = write_key_create(name="Web shop", user=marketer)
    client.force_login(viewer)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert f"wk_{row.prefix}_" in page
    assert reverse("accounts:write_key_create") not in page
    assert reverse("accounts:write_key_revoke", args=[row.pk]) not in page
    assert client.post(reverse("accounts:write_key_create"), {"name": "Mine"}).status_code == 403
    assert client.post(reverse("accounts:write_key_revoke", args=[row.pk])).status_code == 403
    assert WriteKey.objects.count() == 1
    assert write_key_authenticate(key=key) is not None


def test_an_admin_creates_and_revokes_write_keys(client, admin):
    client.force_login(admin)
    response = client.post(reverse("accounts:write_key_create"), {"name": "Newsletter site"})
    key = response.context["new_write_key"]
    row = WriteKey.objects.get()
    assert client.post(reverse("accounts:write_key_revoke", args=[row.pk])).status_code == 302
    assert write_key_authenticate(key=key) is None


def test_the_api_key_form_posts_to_the_settings_page_when_a_write_key_page_is_shown(client, marketer):
    client.force_login(marketer)
    page = client.post(reverse("accounts:write_key_create"), {"name": "App"}).content.decode()
    assert f'action="{reverse("accounts:settings")}"' in page


# --- Reading the key from a request ---------------------------------------------------------


@pytest.fixture
def write_key(marketer):
    return write_key_create(name="SDK", user=marketer)


def test_a_basic_header_with_the_key_as_username_and_no_password_finds_the_key(write_key):
    row, key = write_key
    assert write_key_from_request(request_with(basic(key))) == row


def test_a_password_in_the_basic_header_is_ignored(write_key):
    row, key = write_key
    assert write_key_from_request(request_with(basic(key, "anything"))) == row


def test_the_basic_scheme_is_case_insensitive(write_key):
    row, key = write_key
    assert write_key_from_request(request_with(basic(key, scheme="basic"))) == row
    assert write_key_from_request(request_with(basic(key, scheme="BASIC"))) == row


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "Basic !!!not-base64!!!",
        "Basic wk_é",
        "Basic " + base64.b64encode(b"\xff\xfe:").decode(),
        "Basic " + base64.b64encode(b":password-only").decode(),
    ],
)
def test_missing_or_garbage_headers_find_no_key(header, write_key):
    assert write_key_from_request(request_with(header)) is None


def test_a_write_key_sent_as_bearer_finds_no_key(write_key):
    _, key = write_key
    assert write_key_from_request(request_with(f"Bearer {key}")) is None


def test_a_revoked_write_key_in_the_header_finds_no_key(write_key):
    row, key = write_key
    write_key_revoke(write_key=row)
    assert write_key_from_request(request_with(basic(key))) is None
