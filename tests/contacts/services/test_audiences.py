"""Audience membership moves through pending → added/removed/failed and reaches the provider once."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _

from contacts.checks import providers_complete
from contacts.models import Audience, AudienceMember, Contact
from contacts.providers import PROVIDERS
from contacts.providers.base import Provider
from contacts.providers.webhook import WebhookProvider
from contacts.services.audiences import (
    MAX_ATTEMPTS,
    audience_members_add,
    audience_members_remove,
    audience_members_retry,
    audience_save,
    audience_sync,
)
from contacts.services.contacts import contact_erase, contact_update, contact_upsert
from contacts.tasks import sync_audience, sync_due_audiences
from flowbuilder.core.retries import backoff

SECRET = "whsec-correct-horse"
TOKEN = "EAAB-secret-token"
State = AudienceMember.State


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def webhook(db, http_server):
    """A webhook audience whose receiver is the local server."""
    return audience_save(
        name="Win-back",
        provider="webhook",
        config={"url": f"{http_server.url}/hook", "audience_name": "Win-back"},
        secrets={"signing_secret": SECRET},
    )


@pytest.fixture
def meta(db, http_server):
    """A Meta custom audience whose Marketing API is the local server."""
    return audience_save(
        name="Meta win-back",
        provider="meta",
        config={"audience_id": "23851234567890", "base_url": http_server.url},
        secrets={"access_token": TOKEN},
    )


def member(audience, contact) -> AudienceMember:
    return AudienceMember.objects.get(audience=audience, contact=contact)


def states(audience) -> dict[str, str]:
    """``{email or external id: state}`` of every member whose contact still exists."""
    rows = AudienceMember.objects.filter(audience=audience, contact__isnull=False).select_related("contact")
    return {str(row.contact) if row.contact else "": row.state for row in rows}


def webhook_calls(http_server) -> list[tuple[str, list[str | None]]]:
    """``[(action, [email, …]), …]`` as the webhook receiver got them."""
    return [(r.json()["action"], [m["email"] for m in r.json()["members"]]) for r in http_server.requests]


def meta_calls(http_server) -> list[tuple[str, list[str]]]:
    """``[(method, [hash, …]), …]`` as the Marketing API got them."""
    return [(r.method, json.loads(r.form()["payload"])["data"]) for r in http_server.requests]


def erase(contact, *, now) -> None:
    """Erase ``contact`` at ``now`` (the removals it queues are due from then on)."""
    with time_machine.travel(now, tick=False):
        contact_erase(contact=contact)


def added(audience, contacts, *, now) -> None:
    """Put ``contacts`` in ``audience`` and sync them there (the server answering 200)."""
    audience_members_add(audience=audience, contact_ids=[c.pk for c in contacts], now=now)
    report = audience_sync(audience=audience, now=now)
    assert report.added == len(contacts)


# --- settings ------------------------------------------------------------------------------


class TestSaving:
    def test_settings_and_credentials_are_kept_apart(self, db):
        audience = audience_save(
            name="  Win-back  ", provider="meta", config={"audience_id": "42"}, secrets={"access_token": TOKEN}
        )
        assert (audience.name, audience.config, audience.secrets) == (
            "Win-back",
            {"audience_id": "42"},
            {"access_token": TOKEN},
        )

    def test_a_credential_given_among_the_settings_is_stored_as_a_credential(self, db):
        audience = audience_save(name="Win-back", provider="meta", config={"audience_id": "42", "access_token": TOKEN})
        assert audience.config == {"audience_id": "42"}
        assert audience.secrets == {"access_token": TOKEN}

    def test_saving_again_keeps_credentials_not_given_but_a_new_provider_starts_afresh(self, db):
        audience = audience_save(
            name="Win-back", provider="meta", config={"audience_id": "42"}, secrets={"access_token": TOKEN}
        )
        audience = audience_save(
            audience=audience,
            name="Win-back",
            provider="meta",
            config={"audience_id": "43"},
            secrets={"access_token": ""},
        )
        assert audience.secrets == {"access_token": TOKEN}
        with pytest.raises(ValidationError) as caught:
            audience_save(
                audience=audience, name="Win-back", provider="webhook", config={"url": "https://example.com/h"}
            )
        assert set(caught.value.message_dict) == {"secrets.signing_secret"}

    def test_missing_and_unknown_settings_are_named(self, db):
        with pytest.raises(ValidationError) as caught:
            audience_save(name="Win-back", provider="meta", config={"colour": "red"}, secrets={"password": "x"})
        assert set(caught.value.message_dict) == {
            "config.colour",
            "secrets.password",
            "config.audience_id",
            "secrets.access_token",
        }

    def test_names_are_unique_regardless_of_case(self, db):
        audience_save(name="Win-back", provider="list")
        with pytest.raises(ValidationError) as caught:
            audience_save(name="WIN-BACK", provider="list")
        assert set(caught.value.message_dict) == {"name"}

    def test_a_webhook_needs_a_web_address_and_the_provider_must_exist(self, db):
        with pytest.raises(ValidationError) as caught:
            audience_save(
                name="Hook", provider="webhook", config={"url": "ftp://example.com"}, secrets={"signing_secret": "s"}
            )
        assert set(caught.value.message_dict) == {"config.url"}
        with pytest.raises(ValidationError) as caught:
            audience_save(name="Hook", provider="tiktok")
        assert set(caught.value.message_dict) == {"provider"}


# --- membership ----------------------------------------------------------------------------


class TestMembership:
    def test_adding_queues_contacts_with_the_hash_of_their_email(self, webhook, world, now):
        queued = audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, world["eve"].pk], now=now)
        assert queued == 2
        ann, eve = member(webhook, world["ann"]), member(webhook, world["eve"])
        assert (ann.state, ann.wanted, ann.attempts, ann.next_attempt_at) == (State.PENDING_ADD, "in", 0, now)
        assert ann.email_hash == sha256("ann@example.com")
        assert eve.email_hash == ""  # no email (yet)

    def test_adding_again_queues_nobody_twice(self, webhook, world, now):
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        assert audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 0
        audience_sync(audience=webhook, now=now)
        assert audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 0
        assert AudienceMember.objects.filter(audience=webhook).count() == 1

    def test_contacts_that_do_not_exist_are_ignored(self, webhook, world, now):
        assert audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, 987654], now=now) == 1
        assert audience_members_remove(audience=webhook, contact_ids=[987654], now=now) == 0

    def test_removing_a_member_never_sent_just_drops_it(self, webhook, world, now, http_server):
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, world["bob"].pk], now=now)
        assert audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 1
        assert (member(webhook, world["ann"]).state, member(webhook, world["ann"]).wanted) == (State.REMOVED, "out")
        audience_sync(audience=webhook, now=now)
        assert webhook_calls(http_server) == [("add", ["bob@example.com"])]

    def test_removing_an_added_member_queues_a_removal_for_the_provider(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        later = now + timedelta(hours=1)
        assert audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=later) == 1
        ann = member(webhook, world["ann"])
        assert (ann.state, ann.wanted, ann.next_attempt_at) == (State.PENDING_REMOVE, "out", later)
        report = audience_sync(audience=webhook, now=later)
        assert report.removed == 1
        assert webhook_calls(http_server) == [("add", ["ann@example.com"]), ("remove", ["ann@example.com"])]
        ann.refresh_from_db()
        assert (ann.state, ann.synced_at) == (State.REMOVED, later)

    def test_removing_someone_not_in_the_audience_changes_nothing(self, webhook, world, now):
        added(webhook, [world["ann"]], now=now)
        assert audience_members_remove(audience=webhook, contact_ids=[world["bob"].pk], now=now) == 0
        assert states(webhook) == {"ann@example.com": State.ADDED}

    def test_re_adding_a_removed_member_sends_it_again(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        audience_sync(audience=webhook, now=now)
        assert audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 1
        ann = member(webhook, world["ann"])
        assert (ann.state, ann.wanted, ann.attempts) == (State.PENDING_ADD, "in", 0)
        audience_sync(audience=webhook, now=now)
        assert [action for action, _emails in webhook_calls(http_server)] == ["add", "remove", "add"]
        assert states(webhook) == {"ann@example.com": State.ADDED}

    def test_re_adding_a_member_waiting_to_be_removed_turns_it_back(self, webhook, world, now):
        added(webhook, [world["ann"]], now=now)
        audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        assert audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 1
        assert (member(webhook, world["ann"]).state, member(webhook, world["ann"]).wanted) == (State.PENDING_ADD, "in")

    def test_a_member_whose_send_may_have_arrived_is_removed_at_the_provider(self, webhook, world, now, http_server):
        # A 502 (or a timeout) does not prove the batch was not processed.
        http_server.reply(502)
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        assert audience_sync(audience=webhook, now=now).retrying == 1
        assert audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 1
        assert member(webhook, world["ann"]).state == State.PENDING_REMOVE
        audience_sync(audience=webhook, now=now)
        assert webhook_calls(http_server)[-1] == ("remove", ["ann@example.com"])


# --- sync ----------------------------------------------------------------------------------


class TestSync:
    def test_pending_members_are_sent_signed_and_marked_added(self, webhook, world, now, http_server):
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, world["eve"].pk], now=now)
        report = audience_sync(audience=webhook, now=now)
        assert (report.added, report.removed, report.retrying, report.failed) == (2, 0, 0, 0)
        [request] = http_server.requests
        assert request.json() == {
            "audience": "Win-back",
            "action": "add",
            "members": [
                {"email": "ann@example.com", "email_sha256": sha256("ann@example.com"), "external_id": None},
                {"email": None, "email_sha256": "", "external_id": "u-5"},
            ],
        }
        signed = request.headers["x-flowbuilder-timestamp"].encode() + b"." + request.body
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert request.headers["x-flowbuilder-signature"] == f"sha256={expected}"
        ann = member(webhook, world["ann"])
        assert (ann.state, ann.synced_at, ann.attempts, ann.next_attempt_at, ann.last_error) == (
            State.ADDED,
            now,
            0,
            None,
            "",
        )
        webhook.refresh_from_db()
        assert (webhook.last_synced_at, webhook.last_error) == (now, "")

    def test_nothing_pending_means_no_call(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        report = audience_sync(audience=webhook, now=now + timedelta(days=1))
        assert (report.added, report.removed, report.retrying, report.failed) == (0, 0, 0, 0)
        assert len(http_server.requests) == 1

    def test_members_due_later_wait_for_their_time(self, webhook, world, now, http_server):
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now + timedelta(minutes=5))
        assert audience_sync(audience=webhook, now=now).added == 0
        assert audience_sync(audience=webhook, now=now + timedelta(minutes=5)).added == 1

    def test_additions_and_removals_go_in_separate_calls(self, webhook, world, now, http_server):
        added(webhook, [world["ann"], world["bob"]], now=now)
        audience_members_remove(audience=webhook, contact_ids=[world["bob"].pk], now=now)
        audience_members_add(audience=webhook, contact_ids=[world["dee"].pk], now=now)
        report = audience_sync(audience=webhook, now=now)
        assert (report.added, report.removed) == (1, 1)
        assert webhook_calls(http_server)[1:] == [("add", ["dee@example.com"]), ("remove", ["bob@example.com"])]
        assert states(webhook) == {"ann@example.com": "added", "bob@example.com": "removed", "dee@example.com": "added"}

    def test_the_queue_is_sent_in_batches_of_the_providers_size(self, webhook, world, now, http_server, monkeypatch):
        monkeypatch.setattr(WebhookProvider, "batch_size", 2)
        audience_members_add(audience=webhook, contact_ids=[c.pk for c in world.values()], now=now)
        assert audience_sync(audience=webhook, now=now).added == 5
        assert [len(emails) for _action, emails in webhook_calls(http_server)] == [2, 2, 1]

    def test_a_run_stops_after_max_batches_and_the_rest_stays_queued(
        self, webhook, world, now, http_server, monkeypatch
    ):
        monkeypatch.setattr(WebhookProvider, "batch_size", 2)
        audience_members_add(audience=webhook, contact_ids=[c.pk for c in world.values()], now=now)
        assert audience_sync(audience=webhook, now=now, max_batches=1).added == 2
        assert sorted(states(webhook).values()) == ["added", "added", "pending_add", "pending_add", "pending_add"]

    def test_a_meta_audience_gets_hashes_only_and_contacts_without_email_are_skipped(
        self, meta, world, now, http_server
    ):
        audience_members_add(audience=meta, contact_ids=[world["ann"].pk, world["bob"].pk, world["eve"].pk], now=now)
        assert audience_sync(audience=meta, now=now).added == 3
        [request] = http_server.requests
        assert (request.method, request.route) == ("POST", "/v21.0/23851234567890/users")
        assert request.form()["access_token"] == TOKEN
        assert meta_calls(http_server) == [("POST", [sha256("ann@example.com"), sha256("bob@example.com")])]
        assert b"ann@example.com" not in request.body

        audience_members_remove(audience=meta, contact_ids=[world["bob"].pk], now=now)
        assert audience_sync(audience=meta, now=now).removed == 1
        assert meta_calls(http_server)[-1] == ("DELETE", [sha256("bob@example.com")])

    def test_an_email_changed_before_the_sync_is_sent_and_kept_for_the_removal(self, meta, world, now, http_server):
        audience_members_add(audience=meta, contact_ids=[world["ann"].pk], now=now)
        contact_update(contact=world["ann"], data={"email": "Ann.New@Example.com"}, now=now)
        audience_sync(audience=meta, now=now)
        assert meta_calls(http_server) == [("POST", [sha256("ann.new@example.com")])]
        assert member(meta, world["ann"]).email_hash == sha256("ann.new@example.com")

    def test_a_contact_given_an_email_after_queueing_is_removed_by_it_once_erased(self, meta, world, now, http_server):
        audience_members_add(audience=meta, contact_ids=[world["eve"].pk], now=now)
        contact_update(contact=world["eve"], data={"email": "eve@example.com"}, now=now)
        audience_sync(audience=meta, now=now)
        erase(world["eve"], now=now)
        audience_sync(audience=meta, now=now)
        assert meta_calls(http_server) == [
            ("POST", [sha256("eve@example.com")]),
            ("DELETE", [sha256("eve@example.com")]),
        ]

    def test_an_inactive_audience_does_nothing(self, world, now, http_server):
        audience = audience_save(
            name="Paused",
            provider="webhook",
            config={"url": f"{http_server.url}/hook"},
            secrets={"signing_secret": SECRET},
            is_active=False,
        )
        audience_members_add(audience=audience, contact_ids=[world["ann"].pk], now=now)
        report = audience_sync(audience=audience, now=now)
        assert (report.added, report.removed, report.retrying, report.failed) == (0, 0, 0, 0)
        assert http_server.requests == []
        assert states(audience) == {"ann@example.com": State.PENDING_ADD}
        audience.refresh_from_db()
        assert audience.last_synced_at is None


# --- failures and retries ------------------------------------------------------------------


class TestFailures:
    def test_a_failed_send_is_retried_after_1_2_4_8_minutes(self, webhook, world, now, http_server):
        http_server.reply(500, 503, 500, 502, body="try later")
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        at = now
        for attempt, wait in enumerate([1, 2, 4, 8], start=1):
            report = audience_sync(audience=webhook, now=at)
            assert report.retrying == 1
            ann = member(webhook, world["ann"])
            assert (ann.state, ann.attempts, ann.next_attempt_at) == (
                State.PENDING_ADD,
                attempt,
                at + timedelta(minutes=wait),
            )
            assert "try later" in ann.last_error
            assert backoff(attempt) == timedelta(minutes=wait)
            # Not due a moment before its time: nothing is sent.
            assert audience_sync(audience=webhook, now=ann.next_attempt_at - timedelta(seconds=1)).retrying == 0
            assert len(http_server.requests) == attempt
            at = ann.next_attempt_at
        assert audience_sync(audience=webhook, now=at).added == 1
        ann = member(webhook, world["ann"])
        assert (ann.state, ann.attempts, ann.last_error, ann.synced_at) == (State.ADDED, 0, "", at)
        webhook.refresh_from_db()
        assert webhook.last_error == ""

    def test_members_fail_after_max_attempts_with_the_error_recorded(self, webhook, world, now, http_server):
        http_server.reply(*[503] * MAX_ATTEMPTS, body="maintenance")
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, world["bob"].pk], now=now)
        at = now
        for _attempt in range(MAX_ATTEMPTS - 1):
            assert audience_sync(audience=webhook, now=at).retrying == 2
            at = member(webhook, world["ann"]).next_attempt_at
        report = audience_sync(audience=webhook, now=at)
        assert (report.failed, report.retrying) == (2, 0)
        ann = member(webhook, world["ann"])
        assert (ann.state, ann.attempts, ann.next_attempt_at) == (State.FAILED, MAX_ATTEMPTS, None)
        assert "HTTP 503" in ann.last_error
        assert "maintenance" in ann.last_error
        webhook.refresh_from_db()
        assert "HTTP 503" in webhook.last_error
        assert audience_sync(audience=webhook, now=at + timedelta(days=1)).failed == 0
        assert len(http_server.requests) == MAX_ATTEMPTS

    def test_a_permanent_error_fails_the_batch_at_once(self, webhook, world, now, http_server):
        http_server.reply(400, body={"error": "unknown audience"})
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, world["bob"].pk], now=now)
        report = audience_sync(audience=webhook, now=now)
        assert (report.failed, report.retrying, report.added) == (2, 0, 0)
        for who in ("ann", "bob"):
            row = member(webhook, world[who])
            assert (row.state, row.attempts, row.next_attempt_at) == (State.FAILED, 1, None)
            assert "HTTP 400" in row.last_error
            assert "unknown audience" in row.last_error
        webhook.refresh_from_db()
        assert "unknown audience" in webhook.last_error
        assert webhook.last_synced_at is None

    def test_a_slow_receiver_counts_as_a_transient_failure(self, webhook, world, now, http_server, short_timeouts):
        http_server.reply(200, delay=short_timeouts * 10)
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        assert audience_sync(audience=webhook, now=now).retrying == 1
        assert "timed out" in member(webhook, world["ann"]).last_error

    def test_an_unreachable_receiver_is_retried(self, world, now, closed_port_url):
        audience = audience_save(
            name="Gone",
            provider="webhook",
            config={"url": f"{closed_port_url}/hook"},
            secrets={"signing_secret": SECRET},
        )
        audience_members_add(audience=audience, contact_ids=[world["ann"].pk], now=now)
        assert audience_sync(audience=audience, now=now).retrying == 1
        assert "ConnectError" in member(audience, world["ann"]).last_error

    def test_a_failed_addition_is_not_hidden_by_a_removal_that_worked(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        audience_members_add(audience=webhook, contact_ids=[world["bob"].pk], now=now)
        http_server.reply(500, body="add is broken")
        report = audience_sync(audience=webhook, now=now)
        assert (report.retrying, report.removed) == (1, 1)
        webhook.refresh_from_db()
        assert "add is broken" in webhook.last_error
        assert webhook.last_synced_at == now

    def test_retry_puts_failed_members_back_on_their_way(self, world, now, http_server):
        audience = audience_save(
            name="Typo",
            provider="webhook",
            config={"url": f"{http_server.url}/wrong"},
            secrets={"signing_secret": SECRET},
        )
        http_server.reply(404)
        audience_members_add(audience=audience, contact_ids=[world["ann"].pk, world["bob"].pk], now=now)
        audience_sync(audience=audience, now=now)
        assert set(states(audience).values()) == {State.FAILED}

        audience = audience_save(
            audience=audience, name="Typo", provider="webhook", config={"url": f"{http_server.url}/hook"}
        )
        later = now + timedelta(hours=2)
        assert audience_members_retry(audience=audience, now=later) == 2
        ann = member(audience, world["ann"])
        assert (ann.state, ann.attempts, ann.next_attempt_at) == (State.PENDING_ADD, 0, later)
        assert "HTTP 404" in ann.last_error  # still shown until a sync succeeds
        assert audience_sync(audience=audience, now=later).added == 2
        assert http_server.requests[-1].route == "/hook"
        assert set(states(audience).values()) == {State.ADDED}
        assert member(audience, world["ann"]).last_error == ""
        assert audience_members_retry(audience=audience, now=later) == 0

    def test_retry_of_a_failed_removal_queues_the_removal(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        http_server.reply(410)
        assert audience_sync(audience=webhook, now=now).failed == 1
        assert (member(webhook, world["ann"]).state, member(webhook, world["ann"]).wanted) == (State.FAILED, "out")
        assert audience_members_retry(audience=webhook, now=now) == 1
        assert member(webhook, world["ann"]).state == State.PENDING_REMOVE
        assert audience_sync(audience=webhook, now=now).removed == 1

    def test_re_adding_a_failed_member_queues_it_again(self, webhook, world, now, http_server):
        http_server.reply(400)
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        audience_sync(audience=webhook, now=now)
        assert audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now) == 1
        assert (member(webhook, world["ann"]).state, member(webhook, world["ann"]).attempts) == (State.PENDING_ADD, 0)

    def test_a_provider_that_breaks_unexpectedly_is_retried_rather_than_crashing(
        self, webhook, world, now, monkeypatch, caplog
    ):
        monkeypatch.setitem(PROVIDERS, "webhook", f"{__name__}.BrokenProvider")
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        with caplog.at_level(logging.ERROR, logger="contacts.services.audiences"):
            report = audience_sync(audience=webhook, now=now)
        assert report.retrying == 1
        ann = member(webhook, world["ann"])
        assert (ann.state, ann.attempts) == (State.PENDING_ADD, 1)
        assert ann.last_error == "RuntimeError: the provider has a bug"
        assert "the provider has a bug" in caplog.text


class BrokenProvider(Provider):
    key = "webhook"
    label = _("Webhook")

    def add(self, members):
        raise RuntimeError("the provider has a bug")

    def remove(self, members):
        raise RuntimeError("the provider has a bug")


# --- erasure -------------------------------------------------------------------------------


class TestErasure:
    def test_an_erased_contact_is_removed_by_hash_and_its_row_goes(self, webhook, world, now, http_server):
        added(webhook, [world["ann"], world["bob"]], now=now)
        ann_id = world["ann"].pk
        erase(world["ann"], now=now)
        assert not Contact.objects.filter(pk=ann_id).exists()
        [row] = AudienceMember.objects.filter(audience=webhook, contact__isnull=True)
        assert (row.state, row.wanted, row.email_hash) == (State.PENDING_REMOVE, "out", sha256("ann@example.com"))

        report = audience_sync(audience=webhook, now=now + timedelta(minutes=1))
        assert report.removed == 1
        removal = http_server.requests[-1]
        assert removal.json()["action"] == "remove"
        assert removal.json()["members"] == [
            {"email": None, "email_sha256": sha256("ann@example.com"), "external_id": None}
        ]
        assert b"ann@example.com" not in removal.body
        assert not AudienceMember.objects.filter(audience=webhook, contact__isnull=True).exists()
        assert states(webhook) == {"bob@example.com": State.ADDED}

    def test_a_meta_audience_is_told_to_delete_the_hash(self, meta, world, now, http_server):
        added(meta, [world["ann"]], now=now)
        erase(world["ann"], now=now)
        audience_sync(audience=meta, now=now + timedelta(minutes=1))
        assert meta_calls(http_server)[-1] == ("DELETE", [sha256("ann@example.com")])
        assert not AudienceMember.objects.filter(audience=meta).exists()

    def test_an_erased_contact_never_sent_is_forgotten_without_a_call(self, webhook, world, now, http_server):
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        erase(world["ann"], now=now)
        assert not AudienceMember.objects.filter(audience=webhook).exists()
        audience_sync(audience=webhook, now=now + timedelta(minutes=1))
        assert http_server.requests == []

    def test_an_erased_contact_already_removed_leaves_nothing_behind(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        audience_members_remove(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        audience_sync(audience=webhook, now=now)
        erase(world["ann"], now=now)
        assert not AudienceMember.objects.filter(audience=webhook).exists()
        audience_sync(audience=webhook, now=now + timedelta(minutes=1))
        assert len(http_server.requests) == 2

    def test_an_erased_contact_whose_send_may_have_arrived_is_removed(self, webhook, world, now, http_server):
        http_server.reply(504)
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        audience_sync(audience=webhook, now=now)
        erase(world["ann"], now=now)
        audience_sync(audience=webhook, now=now + timedelta(minutes=1))
        assert webhook_calls(http_server) == [("add", ["ann@example.com"]), ("remove", [None])]
        assert not AudienceMember.objects.filter(audience=webhook).exists()

    def test_a_removal_that_keeps_failing_holds_only_the_hash(self, webhook, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        erase(world["ann"], now=now)
        http_server.reply(500)
        assert audience_sync(audience=webhook, now=now + timedelta(minutes=1)).retrying == 1
        row = AudienceMember.objects.get(audience=webhook)
        assert (row.contact_id, row.email_hash, row.state) == (None, sha256("ann@example.com"), State.PENDING_REMOVE)
        assert "ann@example.com" not in json.dumps([row.last_error, row.email_hash])
        assert audience_sync(audience=webhook, now=now + timedelta(minutes=2)).removed == 1
        assert not AudienceMember.objects.filter(audience=webhook).exists()

    def test_erasure_removes_the_contact_from_every_audience(self, webhook, meta, world, now, http_server):
        added(webhook, [world["ann"]], now=now)
        added(meta, [world["ann"]], now=now)
        erase(world["ann"], now=now)
        assert AudienceMember.objects.filter(state=State.PENDING_REMOVE, contact__isnull=True).count() == 2


# --- tasks ---------------------------------------------------------------------------------


class TestTasks:
    def test_the_task_syncs_one_audience_and_reports_what_happened(self, webhook, world, now, http_server):
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk, world["bob"].pk], now=now)
        with time_machine.travel(now, tick=False):
            assert sync_audience(webhook.pk) == {"added": 2, "removed": 0, "retrying": 0, "failed": 0}
        assert sync_audience(987654) == {}

    def test_the_sweep_syncs_active_audiences_with_members_due(self, webhook, world, now, http_server):
        paused = audience_save(
            name="Paused",
            provider="webhook",
            config={"url": f"{http_server.url}/paused"},
            secrets={"signing_secret": SECRET},
            is_active=False,
        )
        later = audience_save(
            name="Later",
            provider="webhook",
            config={"url": f"{http_server.url}/later"},
            secrets={"signing_secret": SECRET},
        )
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        audience_members_add(audience=paused, contact_ids=[world["ann"].pk], now=now)
        audience_members_add(audience=later, contact_ids=[world["ann"].pk], now=now + timedelta(minutes=10))
        with time_machine.travel(now, tick=False):
            assert sync_due_audiences() == 1
        assert [r.route for r in http_server.requests] == ["/hook"]
        with time_machine.travel(now + timedelta(minutes=10), tick=False):
            assert sync_due_audiences() == 1
        assert [r.route for r in http_server.requests] == ["/hook", "/later"]

    def test_one_broken_audience_does_not_stop_the_sweep(
        self, webhook, meta, world, now, http_server, monkeypatch, caplog
    ):
        audience_members_add(audience=meta, contact_ids=[world["ann"].pk], now=now)
        audience_members_add(audience=webhook, contact_ids=[world["ann"].pk], now=now)
        monkeypatch.delitem(PROVIDERS, "meta")
        with time_machine.travel(now, tick=False), caplog.at_level(logging.ERROR, logger="contacts.tasks"):
            assert sync_due_audiences() == 1
        assert f"Audience {meta.pk} could not be synced" in caplog.text
        assert states(webhook) == {"ann@example.com": State.ADDED}
        assert states(meta) == {"ann@example.com": State.PENDING_ADD}


# --- system check --------------------------------------------------------------------------


class Incomplete(Provider):
    key = "webhook"
    label = _("Webhook")

    def add(self, members):
        return None


class Misnamed(WebhookProvider):
    key = "hook"


class NotAProvider:
    key = "webhook"


class TestSystemCheck:
    def test_the_registry_passes(self):
        assert providers_complete(None) == []
        assert [m for m in checks.run_checks() if m.id == "contacts.E001"] == []

    def test_a_provider_without_an_entry_fails(self, monkeypatch):
        monkeypatch.delitem(PROVIDERS, "meta")
        [error] = providers_complete(None)
        assert error.id == "contacts.E001"
        assert "'meta' has no entry" in error.msg

    @pytest.mark.parametrize(
        "path",
        [
            "contacts.providers.nowhere.Gone",
            "contacts.providers.webhook.Gone",
            "WebhookProvider",
            f"{__name__}.NotAProvider",
        ],
    )
    def test_an_entry_that_does_not_import_fails(self, monkeypatch, path):
        monkeypatch.setitem(PROVIDERS, "webhook", path)
        [error] = providers_complete(None)
        assert error.id == "contacts.E001"
        assert "'webhook' does not import" in error.msg

    def test_an_incomplete_provider_fails(self, monkeypatch):
        monkeypatch.setitem(PROVIDERS, "webhook", f"{__name__}.Incomplete")
        [error] = providers_complete(None)
        assert error.msg == "Audience provider 'webhook' does not implement remove()."

    def test_a_provider_declaring_another_key_fails(self, monkeypatch):
        monkeypatch.setitem(PROVIDERS, "webhook", f"{__name__}.Misnamed")
        [error] = providers_complete(None)
        assert error.msg == "Audience provider 'webhook' declares key 'hook'."

    def test_the_check_runs_with_the_others(self, monkeypatch):
        monkeypatch.setitem(PROVIDERS, "list", "contacts.providers.list.Gone")
        assert [m.id for m in checks.run_checks() if m.id.startswith("contacts.")] == ["contacts.E001"]


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.slow
def test_two_workers_syncing_at_once_send_each_member_exactly_once(transactional_db, http_server, now, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(f"{connection.vendor} has no SELECT … FOR UPDATE SKIP LOCKED; claiming is tested on PostgreSQL")
    monkeypatch.setattr(WebhookProvider, "batch_size", 3)
    audience = audience_save(
        name="Busy", provider="webhook", config={"url": f"{http_server.url}/hook"}, secrets={"signing_secret": SECRET}
    )
    people = [contact_upsert(email=f"p{n}@example.com", data={}, now=now)[0] for n in range(20)]
    audience_members_add(audience=audience, contact_ids=[c.pk for c in people], now=now)
    http_server.reply(*[200] * 20, delay=0.05)  # slow enough that the workers overlap
    start = threading.Barrier(2)
    reports, errors = [], []

    def worker() -> None:
        try:
            start.wait()
            reports.append(audience_sync(audience=Audience.objects.get(pk=audience.pk), now=now))
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    sent = [email for _action, emails in webhook_calls(http_server) for email in emails]
    assert sorted(sent) == sorted(c.email for c in people)
    assert sum(r.added for r in reports) == 20
    assert all(r.added for r in reports), "both workers should have claimed some batches"
    assert set(states(audience).values()) == {State.ADDED}
