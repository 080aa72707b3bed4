"""The webhook provider POSTs signed JSON batches that a receiver can verify with the shared secret."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
import time_machine

from contacts.providers.base import Member, ProviderError, email_hash
from contacts.providers.webhook import WebhookProvider

SECRET = "whsec-correct-horse"
KIM = Member(email="kim@example.com", email_hash=email_hash("kim@example.com"), external_id="u-1")
LEE = Member(email="lee@example.com", email_hash=email_hash("lee@example.com"), external_id=None)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def members(count: int) -> list[Member]:
    return [
        Member(email=f"p{n}@example.com", email_hash=email_hash(f"p{n}@example.com"), external_id=None)
        for n in range(count)
    ]


@pytest.fixture
def webhook(http_server):
    return WebhookProvider(
        {"url": f"{http_server.url}/hooks/audience", "audience_name": "Win-back"}, {"signing_secret": SECRET}
    )


def signature_is_valid(request, secret: str) -> bool:
    """What a receiver does: recompute the HMAC over "<timestamp>.<body>" and compare in constant time."""
    expected = hmac.new(
        secret.encode(), request.headers["x-flowbuilder-timestamp"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request.headers["x-flowbuilder-signature"], f"sha256={expected}")


def test_it_posts_a_batch_as_json_naming_the_audience_and_each_member(webhook, http_server):
    webhook.add([KIM, LEE])
    [request] = http_server.requests
    assert (request.method, request.path) == ("POST", "/hooks/audience")
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "audience": "Win-back",
        "action": "add",
        "members": [
            {"email": "kim@example.com", "email_sha256": sha256("kim@example.com"), "external_id": "u-1"},
            {"email": "lee@example.com", "email_sha256": sha256("lee@example.com"), "external_id": None},
        ],
    }


def test_a_removal_is_posted_the_same_way_with_action_remove(webhook, http_server):
    webhook.remove([KIM])
    [request] = http_server.requests
    assert request.method == "POST"
    assert request.json()["action"] == "remove"
    assert request.json()["members"] == [
        {"email": "kim@example.com", "email_sha256": sha256("kim@example.com"), "external_id": "u-1"}
    ]


def test_an_erased_contact_is_sent_by_hash_alone(webhook, http_server):
    erased = Member(email=None, email_hash=email_hash("kim@example.com"), external_id=None)
    webhook.remove([erased])
    [request] = http_server.requests
    assert request.json()["members"] == [
        {"email": None, "email_sha256": sha256("kim@example.com"), "external_id": None}
    ]
    assert b"kim@example.com" not in request.body


def test_the_signature_verifies_with_the_shared_secret_and_not_with_another(webhook, http_server):
    webhook.add([KIM])
    [request] = http_server.requests
    assert request.headers["x-flowbuilder-signature"].startswith("sha256=")
    assert signature_is_valid(request, SECRET)
    assert not signature_is_valid(request, "another secret")


def test_the_signature_covers_the_timestamp_so_a_replay_cannot_move_it(webhook, http_server):
    webhook.add([KIM])
    [request] = http_server.requests
    replayed = type(request)(
        method=request.method,
        path=request.path,
        headers={
            **request.headers,
            "x-flowbuilder-timestamp": str(int(request.headers["x-flowbuilder-timestamp"]) + 600),
        },
        body=request.body,
    )
    assert not signature_is_valid(replayed, SECRET)


def test_the_timestamp_is_the_current_unix_time(webhook, http_server):
    sent_at = datetime(2026, 11, 23, 12, 0, 5, tzinfo=UTC)
    with time_machine.travel(sent_at, tick=False):
        webhook.add([KIM])
    [request] = http_server.requests
    assert request.headers["x-flowbuilder-timestamp"] == str(int(sent_at.timestamp()))


def test_emails_are_hashed_after_trimming_and_lower_casing(webhook, http_server):
    messy = " Kim@Example.COM "
    assert email_hash(messy) == sha256("kim@example.com")
    webhook.add([Member(email=messy, email_hash="", external_id=None)])
    assert http_server.requests[0].json()["members"][0]["email_sha256"] == sha256("kim@example.com")


def test_batches_never_exceed_the_batch_size(webhook, http_server, monkeypatch):
    monkeypatch.setattr(WebhookProvider, "batch_size", 2)
    webhook.add(members(5))
    sizes = [len(request.json()["members"]) for request in http_server.requests]
    assert sizes == [2, 2, 1]
    emails = [m["email"] for request in http_server.requests for m in request.json()["members"]]
    assert emails == [f"p{n}@example.com" for n in range(5)]
    assert all(signature_is_valid(request, SECRET) for request in http_server.requests)


def test_the_default_batch_is_a_thousand_members():
    assert WebhookProvider.batch_size == 1000


def test_an_empty_batch_sends_nothing(webhook, http_server):
    webhook.add([])
    assert http_server.requests == []


def test_a_server_error_is_worth_retrying(webhook, http_server):
    http_server.reply(500, body="upstream down")
    with pytest.raises(ProviderError) as caught:
        webhook.add([KIM])
    assert not caught.value.permanent
    assert "HTTP 500" in caught.value.message
    assert "upstream down" in caught.value.message


def test_a_rejected_batch_is_a_permanent_error(webhook, http_server):
    http_server.reply(400, body={"error": "bad signature"})
    with pytest.raises(ProviderError) as caught:
        webhook.add([KIM])
    assert caught.value.permanent
    assert "HTTP 400" in caught.value.message


def test_a_redirect_is_not_followed_and_not_taken_for_delivery(webhook, http_server):
    http_server.reply(301, headers={"Location": "https://elsewhere.example.com/hooks"})
    with pytest.raises(ProviderError) as caught:
        webhook.add([KIM])
    assert caught.value.permanent
    assert "https://elsewhere.example.com/hooks" in caught.value.message
    assert len(http_server.requests) == 1


def test_a_webhook_without_an_address_fails_permanently_without_sending():
    provider = WebhookProvider({}, {"signing_secret": SECRET})
    with pytest.raises(ProviderError) as caught:
        provider.add([KIM])
    assert caught.value.permanent
