"""The contacts pages, as a marketer and a viewer see them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from contacts.models import Audience, LifecycleStage
from contacts.services.audiences import audience_save
from contacts.services.segments import segment_save


@pytest.fixture
def browser_client(client, marketer):
    client.force_login(marketer)
    return client


def test_the_contacts_list_filters_and_shows_revenue_in_the_workspace_currency(browser_client, world):
    page = browser_client.get(reverse("contacts:list"), {"stage": "customer"}).content.decode()
    assert "ann@example.com" in page
    assert "bob@example.com" not in page
    assert "€245.50" in page  # 120 + 80 + 45.5
    assert "1 contact" in page


def test_bad_filters_are_explained_not_a_crash(browser_client, world):
    response = browser_client.get(reverse("contacts:list"), {"stage": "nope"})
    assert response.status_code == 200
    assert "There is no lifecycle stage" in response.content.decode()


def test_an_empty_workspace_points_to_the_api(browser_client, db):
    page = browser_client.get(reverse("contacts:list")).content.decode()
    assert "No contacts yet" in page
    assert reverse("api:docs") in page


def test_the_profile_shows_attributes_stage_history_segments_and_events(browser_client, world, now):
    segment_save(name="Buyers", rule={"type": "event", "name": "order_completed"}, now=now)
    page = browser_client.get(reverse("contacts:detail", args=[world["ann"].pk])).content.decode()
    assert "{&quot;size&quot;: 250}" in page
    assert "Buyers" in page
    assert "order_completed" in page
    assert "Customer" in page
    filtered = browser_client.get(
        reverse("contacts:detail", args=[world["bob"].pk]), {"event": "page_viewed"}
    ).content.decode()
    assert "/pricing" in filtered
    assert "form_submitted</strong>" not in filtered


def test_the_segment_builder_gets_pickers_for_stages_events_and_attributes(browser_client, world, now):
    segment = segment_save(name="Buyers", rule={"type": "event", "name": "order_completed"}, now=now)
    page = browser_client.get(reverse("contacts:segment", args=[segment.pk])).content.decode()
    raw = page.split('<script id="segment-builder-data" type="application/json">')[1].split("</script>")[0]
    data = json.loads(raw)
    assert data["segment"]["rules"] == {"type": "event", "name": "order_completed"}
    assert "order_completed" in data["eventNames"]
    assert "plan" in data["attributeNames"]
    assert {"key": "customer", "name": "Customer"} in data["stages"]
    assert data["canEdit"] is True


def test_viewers_get_a_read_only_builder_and_no_new_buttons(client, viewer, world, now):
    client.force_login(viewer)
    segment = segment_save(name="Buyers", rule={"type": "event", "name": "order_completed"}, now=now)
    page = client.get(reverse("contacts:segment", args=[segment.pk])).content.decode()
    assert '"canEdit": false' in page
    assert reverse("contacts:segment_new") not in client.get(reverse("contacts:segments")).content.decode()


def test_an_audience_is_created_with_write_only_credentials(browser_client, db):
    form = browser_client.get(reverse("contacts:audience_new"), {"provider": "meta"}).content.decode()
    assert 'name="access_token"' in form
    response = browser_client.post(
        reverse("contacts:audience_new"),
        {"name": "Win-back", "provider": "meta", "audience_id": "123", "access_token": "s3cret"},
    )
    audience = Audience.objects.get()
    assert response.status_code == 302
    assert audience.secrets == {"access_token": "s3cret"}
    edit = browser_client.get(reverse("contacts:audience_edit", args=[audience.pk])).content.decode()
    assert "s3cret" not in edit
    assert "Stored. Leave empty to keep it." in edit
    browser_client.post(
        reverse("contacts:audience_edit", args=[audience.pk]),
        {"name": "Win-back", "provider": "meta", "audience_id": "456", "access_token": ""},
    )
    audience.refresh_from_db()
    assert (audience.config["audience_id"], audience.secrets) == ("456", {"access_token": "s3cret"})


def test_audience_errors_name_the_setting(browser_client, db):
    response = browser_client.post(
        reverse("contacts:audience_new"),
        {"name": "Hook", "provider": "webhook", "url": "ftp://x", "signing_secret": "k"},
    )
    assert response.status_code == 400
    assert "http:// or https://" in response.content.decode()
    assert not Audience.objects.exists()


def test_the_audience_page_lists_members_by_state(browser_client, world):
    audience = audience_save(name="List", provider="list", config={}, secrets={})
    from contacts.services.audiences import audience_members_add

    audience_members_add(audience=audience, contact_ids=[world["ann"].pk])
    page = browser_client.get(
        reverse("contacts:audience", args=[audience.pk]), {"state": "pending_add"}
    ).content.decode()
    assert "ann@example.com" in page
    assert "Waiting to be added" in page


def test_stages_are_renamed_reordered_and_added(browser_client, db):
    lead = LifecycleStage.objects.get(key="lead")
    data = {"save_order": "1"}
    for stage in LifecycleStage.objects.all():
        data[f"name-{stage.pk}"] = stage.name
        data[f"position-{stage.pk}"] = str(stage.position)
        data[f"active-{stage.pk}"] = "on"
    data[f"name-{lead.pk}"] = "Engaged lead"
    browser_client.post(reverse("contacts:stages"), data)
    lead.refresh_from_db()
    assert lead.name == "Engaged lead"
    browser_client.post(reverse("contacts:stages"), {"new-name": "VIP", "new-key": "vip", "new-kind": "funnel"})
    assert LifecycleStage.objects.get(key="vip").position == 7


def test_viewers_cannot_change_stages(client, viewer, db):
    client.force_login(viewer)
    assert (
        client.post(reverse("contacts:stages"), {"new-name": "VIP", "new-key": "vip", "new-kind": "funnel"}).status_code
        == 403
    )


def test_default_stage_names_appear_in_the_users_language_until_renamed(client, make_user, world):
    from flowbuilder.accounts.roles import Role

    client.force_login(make_user(Role.VIEWER, language="de"))
    page = client.get(reverse("contacts:list")).content.decode()
    assert '<span class="badge badge-stage">Kunde</span>' in page
    LifecycleStage.objects.filter(key="customer").update(name="Käufer")
    page = client.get(reverse("contacts:list")).content.decode()
    assert '<span class="badge badge-stage">Käufer</span>' in page
