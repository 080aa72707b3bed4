"""Recording events: one service for API, import and ingest."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from contacts import signals
from contacts.models import Contact, DirtyContact, Event, StageChange
from contacts.services.events import MAX_BATCH, event_record, events_record


def test_an_event_for_an_unknown_email_creates_the_contact(db, now):
    result = event_record(name="signed_up", email="  Kim@Example.COM ", now=now)
    contact = Contact.objects.get()
    assert (contact.email, contact.email_consent) == ("kim@example.com", "subscribed")
    assert result.contact_id == contact.pk
    event = Event.objects.get()
    assert (event.name, event.occurred_at, event.received_at, event.source) == ("signed_up", now, now, "api")


def test_emails_match_contacts_without_regard_to_case(db, now):
    event_record(name="a", email="kim@example.com", now=now)
    event_record(name="b", email="KIM@EXAMPLE.COM", now=now)
    assert Contact.objects.count() == 1
    assert Event.objects.filter(contact__email="kim@example.com").count() == 2


def test_a_retried_event_is_stored_once(db, now):
    first = event_record(
        name="order_completed", email="kim@example.com", properties={"revenue": 10}, idempotency_key="o-1", now=now
    )
    again = events_record(
        items=[{"name": "order_completed", "email": "kim@example.com", "idempotency_key": "o-1"}], now=now
    )
    assert again[0].as_dict() == {
        "index": 0,
        "status": "duplicate",
        "event_id": first.event_id,
        "contact_id": first.contact_id,
    }
    assert Event.objects.count() == 1
    assert Contact.objects.get().order_count == 1


def test_a_batch_stores_valid_items_and_reports_the_others_by_index(db, now):
    results = events_record(
        items=[
            {"name": "page_viewed", "email": "a@example.com", "properties": {"path": "/"}},
            {"name": "", "email": "b@example.com"},
            {"name": "x", "email": "not-an-email"},
            {"name": "x"},
            {"name": "x", "email": "c@example.com", "occurred_at": "yesterday"},
            {"name": "x", "email": "c@example.com", "properties": [1, 2]},
            {"name": "x", "email": "c@example.com", "colour": "red"},
            {"name": "x", "contact_id": 999_999},
            {"name": "order_completed", "email": "d@example.com", "properties": {"revenue": "lots"}},
            "not an object",
            {"name": "x", "email": "e@example.com", "idempotency_key": "k"},
            {"name": "y", "email": "e@example.com", "idempotency_key": "k"},
        ],
        now=now,
    )
    statuses = [r.status for r in results]
    assert statuses == ["created"] + ["rejected"] * 9 + ["created", "duplicate"]
    errors = [r.errors for r in results]
    assert "name" in errors[1]
    assert errors[2] == {"email": ["“not-an-email” is not a valid email address."]}
    assert "email" in errors[3]
    assert "occurred_at" in errors[4]
    assert "properties" in errors[5]
    assert "colour" in errors[6]
    assert errors[7] == {"contact_id": ["There is no such contact."]}
    assert "properties.revenue" in errors[8]
    assert results[11].event_id == results[10].event_id
    assert set(Contact.objects.values_list("email", flat=True)) == {"a@example.com", "e@example.com"}
    assert Event.objects.count() == 2


def test_a_batch_is_limited(db, now):
    with pytest.raises(ValidationError, match="At most 1000"):
        events_record(items=[{"name": "x", "email": "a@example.com"}] * (MAX_BATCH + 1), now=now)


def test_occurred_at_without_an_offset_is_utc_and_far_future_is_refused(db, now):
    result = event_record(name="x", email="a@example.com", now=now, occurred_at=None)
    assert Event.objects.get(pk=result.event_id).occurred_at == now
    results = events_record(
        items=[
            {"name": "x", "email": "a@example.com", "occurred_at": "2026-11-01T10:00:00"},
            {"name": "x", "email": "a@example.com", "occurred_at": (now + timedelta(days=3)).isoformat()},
        ],
        now=now,
    )
    assert Event.objects.get(pk=results[0].event_id).occurred_at.isoformat() == "2026-11-01T10:00:00+00:00"
    assert results[1].errors == {"occurred_at": ["This is more than a day in the future."]}


def test_orders_keep_the_contacts_totals_current(db, now):
    for days, revenue in ((30, 20), (2, 49.9), (10, 5)):
        event_record(
            name="order_completed",
            email="kim@example.com",
            properties={"revenue": revenue},
            occurred_at=now - timedelta(days=days),
            now=now,
        )
    contact = Contact.objects.get()
    assert contact.order_count == 3
    assert contact.total_revenue == Decimal("74.90")
    assert contact.first_order_at == now - timedelta(days=30)
    assert contact.last_order_at == now - timedelta(days=2)
    assert contact.last_seen_at == now - timedelta(days=2)


def test_last_seen_only_moves_forward(db, now):
    event_record(name="x", email="kim@example.com", now=now)
    event_record(name="y", email="kim@example.com", occurred_at=now - timedelta(days=5), now=now)
    assert Contact.objects.get().last_seen_at == now


def test_the_first_order_moves_a_contact_to_customer_and_the_second_to_repeat_customer(db, now):
    event_record(name="signed_up", email="kim@example.com", now=now)
    event_record(name="order_completed", email="kim@example.com", properties={"revenue": 10}, now=now)
    assert Contact.objects.get().stage.key == "customer"
    event_record(name="order_completed", email="kim@example.com", properties={"revenue": 10}, now=now)
    assert Contact.objects.get().stage.key == "repeat_customer"
    history = list(StageChange.objects.order_by("id").values_list("from_stage__key", "to_stage__key", "cause"))
    assert history == [(None, "customer", "rule"), ("customer", "repeat_customer", "rule")]


def test_new_events_are_announced_and_their_contacts_queued_for_segments(db, now):
    heard = []

    def receiver(sender, events, **kwargs):
        heard.extend(e.name for e in events)

    signals.events_recorded.connect(receiver)
    try:
        events_record(
            items=[
                {"name": "a", "email": "kim@example.com"},
                {"name": "b", "email": "lee@example.com", "idempotency_key": "k"},
                {"name": "b", "email": "lee@example.com", "idempotency_key": "k"},
            ],
            now=now,
        )
    finally:
        signals.events_recorded.disconnect(receiver)
    assert heard == ["a", "b"]
    assert DirtyContact.objects.count() == 2


def test_email_and_external_id_of_two_different_contacts_are_refused(db, now):
    event_record(name="x", email="kim@example.com", now=now)
    event_record(name="x", external_id="u-2", now=now)
    results = events_record(items=[{"name": "x", "email": "kim@example.com", "external_id": "u-2"}], now=now)
    assert results[0].status == "rejected"
    assert "two different contacts" in results[0].errors["external_id"][0]


def test_events_are_built_in_the_order_of_the_tables_columns():
    """``_insert`` builds Event rows positionally (it is faster); a new column must be added there too."""
    from contacts.models import Event

    assert [f.attname for f in Event._meta.concrete_fields] == [
        "id", "contact_id", "name", "properties", "occurred_at", "received_at", "idempotency_key", "source", "context",
    ]  # fmt: skip


# --- concurrency (PostgreSQL) --------------------------------------------------------------


def test_new_contacts_are_committed_before_the_events_transaction(transactional_db, now):
    """A second batch that names the same new person finds the row committed at once, instead of
    waiting on the uncommitted insert until the first batch's events are stored too."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database; concurrent writers are tested on PostgreSQL")
    in_transaction, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold(sender, events, **kwargs):  # the batch stops inside its events' transaction
        in_transaction.set()
        release.wait(timeout=30)

    def record() -> None:
        try:
            events_record(items=[{"name": "signed_up", "email": "kim@example.com"}], now=now)
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    signals.events_recorded.connect(hold)
    batch = threading.Thread(target=record)
    try:
        batch.start()
        assert in_transaction.wait(timeout=30)
        seen = [], []

        def look() -> None:  # another connection: it sees only what is committed
            seen[0].extend(Contact.objects.values_list("email", flat=True))
            seen[1].extend(Event.objects.values_list("name", flat=True))
            connection.close()

        looker = threading.Thread(target=look)
        looker.start()
        looker.join(timeout=30)
    finally:
        release.set()
        batch.join(timeout=30)
        signals.events_recorded.disconnect(hold)
    assert seen == (["kim@example.com"], [])
    assert errors == []
    assert list(Event.objects.values_list("name", flat=True)) == ["signed_up"]
