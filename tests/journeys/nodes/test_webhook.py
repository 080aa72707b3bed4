from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from journeys.executor import executor_drain
from journeys.models import Enrollment, Step, WebhookDelivery
from journeys.nodes.webhook import Webhook
from journeys.services import journey_set_webhook_secret
from journeys.webhooks import signature, webhooks_send


def test_a_webhook_has_next_and_failed(check):
    config, errors = check(
        "webhook", {"url": "https://crm.example.com/leads", "body": '{"email": "{{ contact.email }}"}'}
    )
    assert errors == {}
    assert config["method"] == "POST"
    assert [o.key for o in Webhook.outputs] == ["next", "failed"]


def test_only_http_addresses_and_clean_headers(check):
    assert "url" in check("webhook", {"url": "file:///etc/passwd"})[1]
    assert "headers" in check("webhook", {"url": "https://x.example", "headers": {"X-Ok": "a\r\nInjected: b"}})[1]
    assert "method" in check("webhook", {"url": "https://x.example", "method": "TRACE"})[1]


# --- execute: stored with the step, sent by webhooks_send to a real local server --------------------

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def hooking(build, publish, http_server):
    """Publish form_submitted → webhook to the local server → ok / bad exits; returns the journey."""
    config = {
        "url": f"{http_server.url}/leads",
        "headers": {"X-Source": "flowbuilder"},
        "body": '{"email": "{{ contact.email }}", "budget": {{ event.budget }}}',
    }
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "form_submitted"}),
        ("hook", "webhook", config),
        ("ok", "exit", {"reason": "goal"}),
        ("bad", "exit", {}),
        edges=[("t", "hook"), ("hook", "next", "ok"), ("hook", "failed", "bad")],
    )
    return publish(graph)


@pytest.fixture
def kim_submits(person, happen, run):
    """Kim submits the form and the executor runs: she waits at the webhook step."""
    kim = person()
    happen(kim, "form_submitted", {"budget": 9000})
    run()
    return kim


def test_it_stores_the_request_with_the_body_filled_in_and_waits_for_it(hooking, kim_submits, http_server, run, now):
    delivery = WebhookDelivery.objects.get()
    enrollment = Enrollment.objects.get()
    assert (delivery.enrollment_id, delivery.journey_id, delivery.node_id, delivery.seq) == (
        enrollment.pk,
        hooking.pk,
        "hook",
        2,
    )
    assert (delivery.url, delivery.method, delivery.headers) == (
        f"{http_server.url}/leads",
        "POST",
        {"X-Source": "flowbuilder"},
    )
    assert json.loads(delivery.body) == {"email": "kim@example.com", "budget": 9000}
    assert (delivery.status, delivery.next_attempt_at) == ("pending", now)
    assert (enrollment.node_id, enrollment.due_at) == ("hook", None)  # until the delivery wakes it
    assert not Step.objects.filter(node_id="hook").exists()
    assert http_server.requests == []  # sent by the task, not inside the step's transaction
    run(timedelta(days=1))
    assert WebhookDelivery.objects.count() == 1


def test_when_the_delivery_succeeds_the_contact_leaves_by_next(hooking, kim_submits, http_server, trace, now):
    moment = now + timedelta(seconds=5)
    assert webhooks_send(now=moment).delivered == 1
    [request] = http_server.requests
    assert (request.method, request.route, request.json()) == (
        "POST",
        "/leads",
        {"email": "kim@example.com", "budget": 9000},
    )
    enrollment = Enrollment.objects.get()
    assert enrollment.due_at == moment
    executor_drain(now=moment)
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.exit_reason) == ("completed", "goal")
    assert trace(enrollment) == [("t", "passed", "next"), ("hook", "passed", "next"), ("ok", "passed", "")]
    delivery = WebhookDelivery.objects.get()
    assert Step.objects.get(node_id="hook").detail == {"delivery": delivery.pk, "status": 200}


def test_after_the_last_failed_attempt_the_contact_leaves_by_failed(hooking, kim_submits, http_server, trace, now):
    http_server.reply(500, 503, 500, 502, 500, body={"error": "down"})
    delivery = WebhookDelivery.objects.get()
    moments = []
    for attempt in range(1, 6):
        moments.append(delivery.next_attempt_at)
        webhooks_send(now=delivery.next_attempt_at)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt < 5:
            assert (delivery.status, Enrollment.objects.get().due_at) == ("pending", None)  # still waiting
    assert moments == [now + timedelta(minutes=m) for m in (0, 1, 3, 7, 15)]  # backoff 1, 2, 4, 8 minutes
    assert (delivery.status, delivery.response_status) == ("failed", 500)
    assert len({r.headers["flowbuilder-delivery"] for r in http_server.requests}) == 1  # one id to dedupe by
    executor_drain(now=moments[-1])
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason) == ("completed", "end")
    assert trace(enrollment)[1:] == [("hook", "passed", "failed"), ("bad", "passed", "")]
    detail = Step.objects.get(node_id="hook").detail
    assert detail["delivery"] == delivery.pk
    assert "HTTP 500" in detail["error"]


def test_a_refusal_that_retrying_cannot_change_fails_at_once(hooking, kim_submits, http_server, now):
    http_server.reply(422, body={"error": "missing field"})
    assert webhooks_send(now=now).failed == 1
    executor_drain(now=now)
    assert Step.objects.get(node_id="hook").output == "failed"
    assert len(http_server.requests) == 1


def test_the_request_is_signed_with_the_journeys_secret_and_names_the_delivery(hooking, kim_submits, http_server, now):
    journey_set_webhook_secret(journey=hooking, secret=SECRET)
    moment = now + timedelta(seconds=7)
    webhooks_send(now=moment)
    [request] = http_server.requests
    delivery = WebhookDelivery.objects.get()
    assert request.headers["flowbuilder-delivery"] == str(delivery.pk)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-source"] == "flowbuilder"
    header = request.headers["flowbuilder-signature"]
    assert header == signature(SECRET, int(moment.timestamp()), delivery.body)
    # What a receiver does: recompute the HMAC over "<t>.<body>" and compare in constant time.
    timestamp, digest = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert int(timestamp) == int(moment.timestamp())
    assert hmac.compare_digest(digest, expected)
    wrong = hmac.new(b"another-secret-entirely", f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(digest, wrong)


def test_without_a_secret_the_request_is_not_signed(hooking, kim_submits, http_server, now):
    webhooks_send(now=now)
    [request] = http_server.requests
    assert "flowbuilder-signature" not in request.headers
    assert request.headers["flowbuilder-delivery"] == str(WebhookDelivery.objects.get().pk)
