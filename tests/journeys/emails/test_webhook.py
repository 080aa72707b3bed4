"""The bounce and complaint webhook for mail providers: a shared secret, hard bounces and
complaints that stop marketing email, soft bounces that are only recorded, and bad input that is
refused whole."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from contacts.models import Contact, Event
from journeys.emails import sender
from journeys.emails.services.outbox import QueueItem, messages_queue
from journeys.models import MessageEvent, OutboundMessage

URL = "/api/v1/email/events/"
SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def webhook(settings, api_client):
    """POST JSON to the webhook with the right secret: ``webhook(body)``."""
    settings.EMAIL_WEBHOOK_SECRET = SECRET

    def post(body, *, secret=SECRET, raw=False):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
        data = body if raw else json.dumps(body)
        return api_client.post(URL, data, content_type="application/json", **headers)

    return post


def nothing_stored():
    return not MessageEvent.objects.exists() and not Event.objects.filter(name__startswith="email_").exists()


def consent(contact):
    contact.refresh_from_db()
    return contact.email_consent


HARD_BOUNCE = {"type": "bounce", "email": "kim@example.com", "permanent": True, "reason": "550 5.1.1 user unknown"}


def test_without_a_secret_configured_the_webhook_is_off(settings, api_client, kim):
    settings.EMAIL_WEBHOOK_SECRET = ""
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer "}, {"HTTP_AUTHORIZATION": "Bearer anything"}):
        response = api_client.post(URL, HARD_BOUNCE, format="json", **headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert consent(kim) == Contact.Consent.SUBSCRIBED
    assert nothing_stored()


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Bearer {SECRET}x", f"Basic {SECRET}", SECRET, f"Bearer {SECRET[:-1]}"],
)
def test_a_missing_or_wrong_secret_is_a_401_and_nothing_is_stored(settings, api_client, kim, authorization):
    settings.EMAIL_WEBHOOK_SECRET = SECRET
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = api_client.post(URL, HARD_BOUNCE, format="json", **headers)
    assert response.status_code == 401
    assert consent(kim) == Contact.Consent.SUBSCRIBED
    assert nothing_stored()


def test_the_secret_is_checked_before_the_body_is_read(settings, api_client):
    settings.EMAIL_WEBHOOK_SECRET = SECRET
    response = api_client.post(URL, "{not json", content_type="application/json", HTTP_AUTHORIZATION="Bearer no")
    assert response.status_code == 401


def test_the_scheme_is_case_insensitive(webhook, api_client, kim):
    response = api_client.post(URL, HARD_BOUNCE, format="json", HTTP_AUTHORIZATION=f"bearer {SECRET}")
    assert response.status_code == 202


def test_a_hard_bounce_suppresses_the_contact_and_marks_the_message(webhook, kim, sent, now):
    response = webhook({**HARD_BOUNCE, "message_id": sent.message_id})
    assert response.status_code == 202
    assert response.json() == {"recorded": 1}
    kim.refresh_from_db()
    assert (kim.email_consent, kim.consent_source) == (Contact.Consent.BOUNCED, "hard bounce")
    sent.refresh_from_db()
    assert sent.status == OutboundMessage.Status.BOUNCED
    assert sent.last_error == "550 5.1.1 user unknown"
    (event,) = MessageEvent.objects.filter(message=sent)
    assert (event.kind, event.detail) == (MessageEvent.Kind.BOUNCED, "550 5.1.1 user unknown")
    (bounced,) = Event.objects.filter(contact=kim, name="email_bounced")
    assert bounced.properties["permanent"] is True
    assert bounced.properties["reason"] == "550 5.1.1 user unknown"
    assert bounced.properties["message_id"] == sent.message_id
    assert bounced.properties["template"] == "Welcome"
    # No more marketing email, and the message log says why.
    (next_one,) = messages_queue(
        items=[QueueItem(contact=Contact.objects.get(pk=kim.pk), template=sent.template)], now=now + timedelta(days=1)
    )
    assert next_one.status == OutboundMessage.Status.SKIPPED
    assert next_one.skip_reason == "The contact's address bounced."


def test_a_message_id_without_angle_brackets_is_found_too(webhook, kim, sent):
    webhook({**HARD_BOUNCE, "message_id": sent.message_id.strip("<>")})
    sent.refresh_from_db()
    assert sent.status == OutboundMessage.Status.BOUNCED
    assert MessageEvent.objects.filter(message=sent, kind=MessageEvent.Kind.BOUNCED).exists()


def test_a_bounce_without_a_message_id_finds_the_contact_by_address(webhook, kim, sent):
    assert webhook({**HARD_BOUNCE, "email": "  KIM@Example.com "}).json() == {"recorded": 1}
    assert consent(kim) == Contact.Consent.BOUNCED
    sent.refresh_from_db()
    assert sent.status == OutboundMessage.Status.SENT  # which message bounced is not known
    assert not MessageEvent.objects.exists()


def test_permanent_is_true_unless_said_otherwise(webhook, kim):
    webhook({"type": "bounce", "email": "kim@example.com"})
    assert consent(kim) == Contact.Consent.BOUNCED


def test_a_soft_bounce_is_recorded_but_does_not_suppress(webhook, kim, sent):
    response = webhook({**HARD_BOUNCE, "permanent": False, "reason": "452 mailbox full", "message_id": sent.message_id})
    assert response.json() == {"recorded": 1}
    assert consent(kim) == Contact.Consent.SUBSCRIBED
    sent.refresh_from_db()
    assert sent.status == OutboundMessage.Status.SENT
    assert MessageEvent.objects.get(message=sent).detail == "452 mailbox full"
    assert Event.objects.get(contact=kim, name="email_bounced").properties["permanent"] is False


def test_a_complaint_sets_consent_complained(webhook, kim, sent):
    response = webhook({"type": "complaint", "email": "kim@example.com", "message_id": sent.message_id})
    assert response.json() == {"recorded": 1}
    kim.refresh_from_db()
    assert (kim.email_consent, kim.consent_source) == (Contact.Consent.COMPLAINED, "complaint")
    assert MessageEvent.objects.get(message=sent).kind == MessageEvent.Kind.COMPLAINED
    sent.refresh_from_db()
    assert sent.status == OutboundMessage.Status.SENT  # it was delivered: that is how they complained
    assert Event.objects.get(contact=kim, name="email_complained").properties["message_id"] == sent.message_id


def test_a_later_bounce_does_not_hide_a_complaint(webhook, kim):
    webhook({"type": "complaint", "email": "kim@example.com"})
    webhook(HARD_BOUNCE)
    assert consent(kim) == Contact.Consent.COMPLAINED


def test_a_bounce_stops_marketing_email_still_waiting_to_be_sent(webhook, kim, welcome, now):
    (waiting,) = messages_queue(items=[QueueItem(contact=kim, template=welcome)], now=now + timedelta(hours=1))
    webhook(HARD_BOUNCE)
    assert sender.messages_send(now=now + timedelta(hours=2)).sent == 0
    stored = OutboundMessage.objects.get(message_id=waiting.message_id)
    assert (stored.status, stored.skip_reason) == (OutboundMessage.Status.SKIPPED, "The contact's address bounced.")


def test_a_list_of_events_is_recorded_together(webhook, kim, make_contact):
    lee = make_contact("lee@example.com")
    ada = make_contact("ada@example.com")
    response = webhook(
        [
            HARD_BOUNCE,
            {"type": "complaint", "email": "lee@example.com"},
            {"type": "bounce", "email": "ada@example.com", "permanent": False},
        ]
    )
    assert response.status_code == 202
    assert response.json() == {"recorded": 3}
    assert (consent(kim), consent(lee), consent(ada)) == ("bounced", "complained", "subscribed")


def test_unknown_addresses_are_accepted_but_not_counted(webhook, kim):
    response = webhook([HARD_BOUNCE, {"type": "bounce", "email": "nobody@example.com"}])
    assert response.status_code == 202
    assert response.json() == {"recorded": 1}
    assert not Contact.objects.filter(email="nobody@example.com").exists()


def test_an_empty_list_records_nothing(webhook, db):
    response = webhook([])
    assert (response.status_code, response.json()) == (202, {"recorded": 0})


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param("bounce", "1", id="not an object"),
        pytest.param(None, "1", id="null"),
        pytest.param([HARD_BOUNCE], "1", id="a list"),
        pytest.param({"type": "delivered", "email": "kim@example.com"}, "1.type", id="unknown type"),
        pytest.param({"email": "kim@example.com"}, "1.type", id="no type"),
        pytest.param({"type": "bounce"}, "1.email", id="missing email"),
        pytest.param({"type": "bounce", "email": ""}, "1.email", id="empty email"),
        pytest.param({"type": "bounce", "email": ["kim@example.com"]}, "1.email", id="email not a text"),
        pytest.param(
            {"type": "bounce", "email": "kim@example.com", "permanent": "false"}, "1.permanent", id="permanent"
        ),
        pytest.param({"type": "bounce", "email": "kim@example.com", "message_id": 7}, "1.message_id", id="message id"),
        pytest.param({"type": "bounce", "email": "kim@example.com", "reason": {"a": 1}}, "1.reason", id="reason"),
        pytest.param({"type": "bounce", "email": "kim@example.com", "reason": "a\x00b"}, "1.reason", id="NUL"),
        pytest.param({"type": "bounce", "email": "kim@example.com\ud800"}, "1.email", id="lone surrogate"),
    ],
)
def test_a_malformed_event_is_a_400_naming_it_and_nothing_of_the_request_is_stored(webhook, kim, sent, bad, field):
    response = webhook([{**HARD_BOUNCE, "message_id": sent.message_id}, bad, HARD_BOUNCE])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert consent(kim) == Contact.Consent.SUBSCRIBED
    sent.refresh_from_db()
    assert sent.status == OutboundMessage.Status.SENT
    assert nothing_stored()


def test_every_bad_event_is_named_at_once(webhook):
    response = webhook([{"type": "x", "email": "a@example.com"}, HARD_BOUNCE, 5])
    assert set(response.json()["error"]["fields"]) == {"0.type", "2"}


def test_a_single_malformed_object_is_named_as_item_0(webhook):
    response = webhook({"type": "bounce"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["0.email"]


def test_more_than_1000_events_are_refused(webhook, kim):
    response = webhook([HARD_BOUNCE] * 1001)
    assert response.status_code == 400
    assert "1,000" in response.json()["error"]["message"]
    assert consent(kim) == Contact.Consent.SUBSCRIBED


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{not json", id="broken"),
        pytest.param("", id="empty"),
        pytest.param("null", id="null"),
        pytest.param('"bounce"', id="a string"),
        pytest.param("12", id="a number"),
        pytest.param("NaN", id="NaN"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested too deeply"),
        pytest.param('{"type": "bounce", "email": "kim@example.com", "reason": "\\ud800"}', id="lone surrogate"),
        pytest.param(b"\xff\xfe{", id="not UTF-8"),
    ],
)
def test_junk_is_a_400_never_a_500(webhook, kim, body):
    response = webhook(body, raw=True)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"invalid", "parse_error"}
    assert consent(kim) == Contact.Consent.SUBSCRIBED


def test_only_json_is_taken(webhook, api_client):
    response = api_client.post(URL, "type=bounce", content_type="text/plain", HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert response.status_code == 415


def test_only_post_is_answered(webhook, api_client):
    assert api_client.get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}").status_code == 405
