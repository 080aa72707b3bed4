"""The contacts REST API: what developers of the marketer's company call."""

from __future__ import annotations

import pytest

from contacts.models import Audience, Contact, Event, LifecycleStage, Segment


@pytest.fixture
def api(api_client, marketer):
    api_client.force_authenticate(marketer)
    return api_client


class TestContacts:
    def test_post_creates_then_updates_by_email(self, api):
        created = api.post(
            "/api/v1/contacts/",
            {
                "email": "Kim@Example.com",
                "first_name": "Kim",
                "attributes": {"plan": "pro"},
                "add_tags": ["beta"],
                "stage": "lead",
                "locale": "de_at",
            },
        )
        assert created.status_code == 201, created.json()
        body = created.json()
        assert (body["email"], body["stage"], body["tags"], body["locale"]) == (
            "kim@example.com",
            "lead",
            ["beta"],
            "de-AT",
        )
        updated = api.post("/api/v1/contacts/", {"email": "kim@example.com", "attributes": {"seats": 3}})
        assert updated.status_code == 200
        assert updated.json()["attributes"] == {"plan": "pro", "seats": 3}
        assert Contact.objects.count() == 1

    def test_bad_input_names_the_field_and_stores_nothing(self, api):
        response = api.post("/api/v1/contacts/", {"email": "kim@example.com", "timezone": "Moon/Base", "favourite": 1})
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"favourite": ["Unknown field."]}
        response = api.post("/api/v1/contacts/", {"email": "kim@example.com", "timezone": "Moon/Base"})
        assert response.status_code == 400
        assert "timezone" in response.json()["error"]["fields"]
        response = api.post("/api/v1/contacts/", ["not", "an", "object"], format="json")
        assert response.status_code == 400
        assert not Contact.objects.exists()

    def test_list_searches_and_filters(self, api, world):
        def emails(**params):
            response = api.get("/api/v1/contacts/", params)
            assert response.status_code == 200, response.json()
            return {c["email"] or c["external_id"] for c in response.json()["results"]}

        assert emails(q="bob") == {"bob@example.com"}
        assert emails(stage="customer") == {"ann@example.com"}
        assert emails(consent="unsubscribed") == {"cem@sample.org"}
        assert emails(tag="vip") == {"ann@example.com"}
        assert emails(**{"attributes.plan": "pro"}) == {"ann@example.com"}
        assert emails(**{"attributes.seats": "12"}) == {"ann@example.com"}
        response = api.get("/api/v1/contacts/", {"stage": "nope", "ordering": "colour"})
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"stage", "ordering"}

    def test_patch_and_erase(self, api, world):
        ann = world["ann"]
        response = api.patch(f"/api/v1/contacts/{ann.pk}/", {"last_name": "Smith", "remove_tags": ["vip"]})
        assert response.status_code == 200
        assert (response.json()["last_name"], response.json()["tags"]) == ("Smith", [])
        assert api.delete(f"/api/v1/contacts/{ann.pk}/").status_code == 204
        assert not Contact.objects.filter(pk=ann.pk).exists()
        assert not Event.objects.filter(contact_id=ann.pk).exists()
        assert api.get(f"/api/v1/contacts/{ann.pk}/").json()["error"]["code"] == "not_found"

    def test_a_contacts_events_newest_first(self, api, world):
        response = api.get(f"/api/v1/contacts/{world['ann'].pk}/events/")
        names = [e["name"] for e in response.json()["results"]]
        assert names == ["order_completed"] * 3
        occurred = [e["occurred_at"] for e in response.json()["results"]]
        assert occurred == sorted(occurred, reverse=True)


class TestEvents:
    def test_one_event(self, api):
        response = api.post(
            "/api/v1/events/", {"name": "signed_up", "email": "kim@example.com", "properties": {"source": "ad"}}
        )
        assert response.status_code == 202
        assert response.json()["stored"] == 1
        assert Event.objects.get().properties == {"source": "ad"}

    def test_a_rejected_single_event_is_a_400_naming_the_field(self, api):
        response = api.post(
            "/api/v1/events/",
            {"name": "order_completed", "email": "kim@example.com", "properties": {"revenue": "much"}},
        )
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {
            "properties.revenue": ["Expected the order revenue as a number, e.g. 49.90."]
        }
        assert not Event.objects.exists()

    def test_a_batch_reports_each_item(self, api):
        response = api.post(
            "/api/v1/events/",
            {
                "events": [
                    {"name": "page_viewed", "email": "kim@example.com", "idempotency_key": "p1"},
                    {"name": "page_viewed", "email": "kim@example.com", "idempotency_key": "p1"},
                    {"name": "page_viewed"},
                ]
            },
        )
        assert response.status_code == 202
        body = response.json()
        assert (body["stored"], body["duplicates"], body["rejected"]) == (1, 1, 1)
        assert [r["status"] for r in body["results"]] == ["created", "duplicate", "rejected"]
        assert body["results"][2]["errors"]["email"]

    @pytest.mark.parametrize(
        "payload",
        [
            {"events": []},
            {"events": "x"},
            {"events": [], "extra": 1},
            [1, 2],
            {"events": [{"name": "x", "email": "a@b.co"}] * 1001},
        ],
    )
    def test_malformed_or_oversized_envelopes_are_refused(self, api, payload):
        response = api.post("/api/v1/events/", payload, format="json")
        assert response.status_code == 400
        assert "events" in response.json()["error"]["fields"]
        assert not Event.objects.exists()

    def test_malformed_json(self, api):
        response = api.post("/api/v1/events/", "{nope", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "parse_error"

    def test_a_viewer_may_not_send_events(self, api_client, viewer):
        api_client.force_authenticate(viewer)
        assert api_client.post("/api/v1/events/", {"name": "x", "email": "a@example.com"}).status_code == 403


class TestSegments:
    RULE = {
        "all": [
            {"type": "event", "name": "order_completed"},
            {"not": {"type": "event", "name": "order_completed", "within_days": 60}},
        ]
    }

    def test_create_preview_update_and_delete(self, api, world):
        preview = api.post("/api/v1/segments/preview/", {"rules": self.RULE})
        assert preview.status_code == 200
        assert preview.json()["count"] == 2
        assert {c["email"] for c in preview.json()["sample"]} == {"bob@example.com", "dee@example.com"}
        created = api.post("/api/v1/segments/", {"name": "At risk", "rules": self.RULE})
        assert created.status_code == 201
        segment = created.json()
        assert (segment["member_count"], segment["uses_time"]) == (2, True)
        members = api.get(f"/api/v1/segments/{segment['id']}/members/").json()
        assert {m["email"] for m in members["results"]} == {"bob@example.com", "dee@example.com"}
        renamed = api.patch(f"/api/v1/segments/{segment['id']}/", {"name": "At-risk customers"})
        assert renamed.json()["name"] == "At-risk customers"
        assert api.delete(f"/api/v1/segments/{segment['id']}/").status_code == 204

    def test_rule_errors_point_at_the_offending_part(self, api, world):
        response = api.post(
            "/api/v1/segments/",
            {"name": "Bad", "rules": {"all": [{"type": "event", "name": "x", "count": {"op": "gt", "value": "2"}}]}},
        )
        assert response.status_code == 400
        fields = response.json()["error"]["fields"]
        assert set(fields) == {"rules.all.0.count.op", "rules.all.0.count.value"}
        preview = api.post("/api/v1/segments/preview/", {"rules": {"type": "stage", "op": "in", "value": ["vip"]}})
        assert preview.json()["error"]["fields"] == {"rules.value": ["There is no lifecycle stage 'vip'."]}
        assert not Segment.objects.exists()

    def test_a_segment_used_by_another_cannot_be_deleted(self, api, world):
        base = api.post(
            "/api/v1/segments/", {"name": "Buyers", "rules": {"type": "event", "name": "order_completed"}}
        ).json()
        api.post(
            "/api/v1/segments/",
            {"name": "Not buyers", "rules": {"type": "segment", "op": "not_in", "value": base["id"]}},
        )
        response = api.delete(f"/api/v1/segments/{base['id']}/")
        assert response.status_code == 400
        assert "Not buyers" in response.json()["error"]["message"]

    def test_static_segments_take_contacts_by_hand(self, api, world):
        segment = api.post("/api/v1/segments/", {"name": "Guests", "kind": "static"}).json()
        response = api.post(f"/api/v1/segments/{segment['id']}/members/", {"add": [world["ann"].pk, world["bob"].pk]})
        assert response.json()["member_count"] == 2

    def test_viewers_may_preview_but_not_save(self, api_client, viewer, world):
        api_client.force_authenticate(viewer)
        assert (
            api_client.post(
                "/api/v1/segments/preview/", {"rules": {"type": "tag", "op": "has", "value": "vip"}}
            ).json()["count"]
            == 1
        )
        assert (
            api_client.post(
                "/api/v1/segments/", {"name": "X", "rules": {"type": "tag", "op": "has", "value": "vip"}}
            ).status_code
            == 403
        )


class TestStages:
    def test_the_default_funnel_is_there(self, api, db):
        keys = [s["key"] for s in api.get("/api/v1/stages/").json()]
        assert keys == [
            "subscriber",
            "lead",
            "qualified",
            "customer",
            "repeat_customer",
            "advocate",
            "at_risk",
            "churned",
            "reactivated",
        ]

    def test_stages_are_editable_but_one_in_use_is_not_deleted(self, api, world):
        customer = LifecycleStage.objects.get(key="customer")
        assert api.patch(f"/api/v1/stages/{customer.pk}/", {"name": "Buyer"}).json()["name"] == "Buyer"
        response = api.delete(f"/api/v1/stages/{customer.pk}/")
        assert response.status_code == 400
        new = api.post("/api/v1/stages/", {"key": "vip", "name": "VIP", "position": 7}).json()
        assert api.delete(f"/api/v1/stages/{new['id']}/").status_code == 204


class TestAudiences:
    def test_credentials_are_write_only(self, api, db):
        response = api.post(
            "/api/v1/audiences/",
            {
                "name": "Win-back",
                "provider": "meta",
                "config": {"audience_id": "123"},
                "credentials": {"access_token": "s3cret"},
            },
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["credentials_set"] == ["access_token"]
        assert "s3cret" not in response.content.decode()
        again = api.patch(f"/api/v1/audiences/{body['id']}/", {"name": "Win-back 2"})
        assert "s3cret" not in again.content.decode()
        assert Audience.objects.get().secrets == {"access_token": "s3cret"}

    def test_missing_settings_are_named(self, api, db):
        response = api.post("/api/v1/audiences/", {"name": "Hook", "provider": "webhook", "config": {"url": "ftp://x"}})
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"secrets.signing_secret", "config.url"}

    def test_members_are_added_and_exported(self, api, world):
        audience = api.post("/api/v1/audiences/", {"name": "List", "provider": "list"}).json()
        api.post(f"/api/v1/audiences/{audience['id']}/members/", {"add": [world["ann"].pk, world["bob"].pk]})
        members = api.get(f"/api/v1/audiences/{audience['id']}/members/").json()["results"]
        assert {m["state"] for m in members} == {"pending_add"}
        response = api.get(f"/api/v1/audiences/{audience['id']}/export.csv")
        text = b"".join(response.streaming_content).decode()
        assert text.splitlines()[0] == "email,external_id,first_name,last_name,state,synced_at"
        assert "ann@example.com" in text


def test_a_segment_filter_that_only_looks_like_a_number_is_a_clear_400(api, db):
    """'²' passes str.isdigit() but is no number: it must be refused, not crash."""
    response = api.get("/api/v1/contacts/", {"segment": "²"})
    assert response.status_code == 400
    assert "segment" in response.json()["error"]["fields"]
