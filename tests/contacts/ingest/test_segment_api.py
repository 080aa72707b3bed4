"""The Segment-compatible tracking API over HTTP: mapping, identity, write keys, limits, errors."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from contacts.ingest.segment import ANONYMOUS_PREFIX
from contacts.models import Contact, Event
from flowbuilder.accounts.services import write_key_create, write_key_revoke


@pytest.fixture
def write_key(marketer):
    _row, key = write_key_create(name="Website", user=marketer)
    return key


@pytest.fixture
def send(client, write_key):
    """``send(path, body, key=…, gzipped=False)`` posts like the SDKs do (HTTP Basic, key as user name)."""

    def post(path, body, *, key=None, gzipped=False, raw=None, headers=None):
        data = raw if raw is not None else json.dumps(body).encode()
        extra = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{key or write_key}:".encode()).decode()}
        if gzipped:
            data = gzip.compress(data)
            extra["HTTP_CONTENT_ENCODING"] = "gzip"
        extra.update(headers or {})
        return client.post(path, data=data, content_type="application/json", **extra)

    return post


def test_a_track_call_stores_an_event_with_its_properties_time_and_context(send, db):
    response = send(
        "/v1/track",
        {
            "userId": "u-42",
            "event": "Form Submitted",
            "properties": {"budget": 3000},
            "timestamp": "2026-11-23T12:00:00Z",
            "messageId": "m-1",
            "context": {"ip": "203.0.113.9", "userAgent": "Mozilla/5.0", "campaign": {"source": "newsletter"}},
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "stored": 1, "duplicates": 0}
    event = Event.objects.get()
    assert (event.name, event.properties, event.source) == ("Form Submitted", {"budget": 3000}, "segment")
    assert event.occurred_at == datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert event.idempotency_key == "m-1"
    assert event.context["campaign"] == {"source": "newsletter"}
    assert event.contact.external_id == "u-42"


def test_a_retried_message_id_is_stored_once(send, db):
    message = {"userId": "u-1", "event": "Signed Up", "messageId": "retry-me"}
    assert send("/v1/track", message).json()["stored"] == 1
    assert send("/v1/track", message).json() == {"success": True, "stored": 0, "duplicates": 1}
    assert Event.objects.count() == 1


def test_identify_upserts_the_contact_with_fields_and_attributes(send, db):
    response = send(
        "/v1/identify",
        {
            "userId": "u-7",
            "traits": {"email": "Kim@Example.com", "firstName": "Kim", "lastName": "Lee", "plan": "pro"},
            "context": {"timezone": "Europe/Amsterdam", "locale": "nl-NL"},
        },
    )
    assert response.status_code == 200, response.content
    contact = Contact.objects.get()
    assert (contact.external_id, contact.email, contact.first_name, contact.last_name) == (
        "u-7",
        "kim@example.com",
        "Kim",
        "Lee",
    )
    assert contact.attributes == {"plan": "pro"}
    assert (contact.timezone, contact.locale) == ("Europe/Amsterdam", "nl-NL")


def test_a_known_time_zone_is_not_overwritten_by_the_sdks(send, db):
    Contact.objects.create(external_id="u-8", timezone="America/New_York")
    send("/v1/track", {"userId": "u-8", "event": "Opened App", "context": {"timezone": "Europe/Berlin"}})
    assert Contact.objects.get().timezone == "America/New_York"


def test_page_and_screen_become_viewed_events_with_the_page_from_properties_or_context(send, db):
    send(
        "/v1/page",
        {
            "anonymousId": "anon-1",
            "name": "Pricing",
            "properties": {"title": "Pricing — Acme"},
            "context": {
                "page": {"url": "https://acme.test/pricing?x=1", "path": "/pricing", "referrer": "https://google.com/"}
            },
        },
    )
    send("/v1/screen", {"userId": "u-3", "name": "Checkout", "properties": {"step": 2}})
    page, screen = Event.objects.order_by("id")
    assert page.name == "page_viewed"
    assert page.properties == {
        "title": "Pricing — Acme",
        "url": "https://acme.test/pricing?x=1",
        "path": "/pricing",
        "referrer": "https://google.com/",
        "name": "Pricing",
    }
    assert (screen.name, screen.properties) == ("screen_viewed", {"step": 2, "name": "Checkout"})


def test_an_anonymous_visitor_who_identifies_keeps_their_earlier_page_views(send, db):
    send("/v1/page", {"anonymousId": "a-9", "properties": {"path": "/shoes"}})
    send("/v1/page", {"anonymousId": "a-9", "properties": {"path": "/shoes/red"}})
    assert Contact.objects.get().external_id == f"{ANONYMOUS_PREFIX}a-9"
    send("/v1/identify", {"userId": "u-9", "anonymousId": "a-9", "traits": {"email": "ann@example.com"}})
    contact = Contact.objects.get()
    assert (contact.external_id, contact.email) == ("u-9", "ann@example.com")
    assert sorted(e.properties["path"] for e in contact.events.all()) == ["/shoes", "/shoes/red"]


def test_a_visitor_who_turns_out_to_be_a_known_customer_is_merged_into_them(send, db):
    known = Contact.objects.create(external_id="u-10", email="bo@example.com")
    send("/v1/page", {"anonymousId": "a-10", "properties": {"path": "/cart"}})
    send("/v1/track", {"userId": "u-10", "anonymousId": "a-10", "event": "Cart Viewed"})
    assert list(Contact.objects.values_list("pk", flat=True)) == [known.pk]
    assert sorted(known.events.values_list("name", flat=True)) == ["Cart Viewed", "page_viewed"]


def test_alias_joins_a_previous_id_to_the_user_id(send, db):
    send("/v1/track", {"anonymousId": "old-1", "event": "Viewed Product"})
    send("/v1/alias", {"previousId": "old-1", "userId": "u-11"})
    assert Contact.objects.get().external_id == "u-11"


def test_group_keeps_the_company_on_the_contact(send, db):
    send("/v1/group", {"userId": "u-12", "groupId": "acme", "traits": {"name": "Acme", "employees": 40}})
    assert Contact.objects.get().attributes == {"company": {"id": "acme", "name": "Acme", "employees": 40}}


def test_order_completed_of_the_ecommerce_spec_counts_as_an_order(send, db):
    send("/v1/track", {"userId": "u-13", "event": "Order Completed", "properties": {"total": 59.5, "order_id": "o-1"}})
    contact = Contact.objects.get()
    assert contact.events.get().name == "order_completed"
    assert (contact.order_count, float(contact.total_revenue)) == (1, 59.5)


def test_a_batch_is_stored_in_order_and_accepts_gzip(send, db):
    batch = {
        "batch": [
            {"type": "identify", "userId": "u-20", "traits": {"email": "cy@example.com"}},
            {"type": "track", "userId": "u-20", "event": "Signed Up", "messageId": "b-1"},
            {"type": "page", "userId": "u-20", "properties": {"path": "/welcome"}, "messageId": "b-2"},
        ],
        "sentAt": "2026-11-23T12:00:00Z",
    }
    response = send("/v1/batch", batch, gzipped=True)
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True, "stored": 3, "duplicates": 0}
    contact = Contact.objects.get()
    assert contact.email == "cy@example.com"
    assert sorted(contact.events.values_list("name", flat=True)) == ["Signed Up", "page_viewed"]


def test_the_valid_messages_of_a_batch_are_stored_and_the_bad_ones_reported(send, db):
    response = send(
        "/v1/batch",
        {
            "batch": [
                {"type": "track", "userId": "u-30", "event": "Good One"},
                {"type": "track", "event": "No Identity"},
                {"type": "launch", "userId": "u-30"},
                {"type": "track", "userId": "u-30", "event": "Another", "properties": "not an object"},
                "not a message",
            ]
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["stored"] == 1
    assert [r["index"] for r in body["rejected"]] == [1, 2, 3, 4]
    assert "userId or an anonymousId" in body["rejected"][0]["errors"]["userId"][0]
    assert "Unknown message type" in body["rejected"][1]["errors"]["type"][0]
    assert "4 messages were not stored" in body["message"]
    assert "The other messages were stored." in body["message"]
    assert list(Event.objects.values_list("name", flat=True)) == ["Good One"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2]", "Expected a JSON object"),
        (b'{"batch": {}}', '{"batch": [messages'),
        (b'{"batch": []}', "empty"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400_with_the_reason(send, db, raw, reason):
    response = send("/v1/batch", None, raw=raw)
    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert not Event.objects.exists()


def test_oversized_batches_and_messages_are_refused_as_the_spec_says(send, db):
    big = {"batch": [{"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * 20_000}}] * 30}
    response = send("/v1/batch", big)
    assert response.status_code == 400
    assert "larger than 500 KB" in response.json()["message"]
    response = send("/v1/batch", big, gzipped=True)  # small on the wire, too large inflated
    assert "larger than 500 KB" in response.json()["message"]
    one = {"userId": "u", "event": "E", "properties": {"x": "y" * 40_000}}
    assert "larger than 32 KB" in send("/v1/track", one).json()["message"]
    in_batch = send("/v1/batch", {"batch": [one, {"type": "track", "userId": "u", "event": "Small"}]}).json()
    assert in_batch["stored"] == 1
    assert "32 KB" in str(in_batch["rejected"][0]["errors"])


def test_a_wrong_or_revoked_write_key_is_a_401_and_nothing_is_stored(send, marketer, client, db):
    message = {"userId": "u-40", "event": "Signed Up"}
    assert send("/v1/track", message, key="wk_nope_nope").status_code == 401
    row, key = write_key_create(name="Old app", user=marketer)
    write_key_revoke(write_key=row)
    response = send("/v1/track", message, key=key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert client.post("/v1/track", data=json.dumps(message), content_type="application/json").status_code == 401
    assert not Event.objects.exists()
    assert not Contact.objects.exists()


def test_a_personal_api_key_does_not_open_the_tracking_api(client, marketer, db):
    from flowbuilder.accounts.services import api_key_create

    _row, api_key = api_key_create(user=marketer, name="Mine")
    for header in (f"Bearer {api_key}", "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()):
        response = client.post(
            "/v1/track",
            data=json.dumps({"userId": "u", "event": "E"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
        assert response.status_code == 401


def test_browsers_send_the_write_key_in_a_text_plain_body_to_the_short_paths(client, write_key, db):
    body = {"type": "page", "anonymousId": "b-1", "writeKey": write_key, "properties": {"path": "/"}}
    response = client.post("/v1/p", data=json.dumps(body), content_type="text/plain")
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Event.objects.get().name == "page_viewed"
    preflight = client.options("/v1/t", HTTP_ORIGIN="https://shop.example.com")
    assert preflight.status_code == 204
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]


def test_the_sdks_clock_skew_is_corrected_from_sent_at(send, db):
    now = datetime.now(UTC)
    skewed = now + timedelta(hours=3)  # the device's clock is three hours ahead
    send(
        "/v1/track",
        {
            "userId": "u-50",
            "event": "Tapped",
            "originalTimestamp": (skewed - timedelta(minutes=5)).isoformat(),
            "sentAt": skewed.isoformat(),
        },
    )
    occurred = Event.objects.get().occurred_at
    assert abs(occurred - (now - timedelta(minutes=5))) < timedelta(seconds=30)


def test_only_post_is_answered(client, db):
    assert client.get("/v1/track").status_code == 405
