"""Recording events: the one way events enter Flowbuilder (API, CSV import, SDK ingest, tests).

``events_record`` takes a batch and works set-based: one query resolves every contact, one
creates the unknown ones, one inserts the events (a retried idempotency key is stored once),
one updates last-seen and order totals. Stage rules run, segment membership is queued for
re-evaluation, and ``signals.events_recorded`` announces the new events, all in one
transaction (or the caller's). The new contacts are committed before it, in a short
transaction of their own, unless the caller holds one: concurrent batches naming the same
new person would otherwise wait for each other's whole batch.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, DateTimeField, DecimalField, Max, Min, OuterRef, Subquery, Sum, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from contacts import signals
from contacts.models import Contact, Event, StageChange, StageRule
from contacts.services.contacts import Identity, contact_ids_get_or_create, normalise_email, normalise_external_id
from contacts.services.refresh import contacts_mark_dirty
from flowbuilder.core.sql import bound_cursor
from flowbuilder.core.validation import nul_path

ORDER_EVENT = "order_completed"
REVENUE_PROPERTY = "revenue"
MAX_BATCH = 1000
MAX_NAME = 200
MAX_PROPERTIES_BYTES = 32_000
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class EventInput:
    name: str
    identity: Identity | None
    contact_id: int | None
    properties: dict[str, Any]
    occurred_at: datetime
    idempotency_key: str | None
    context: dict[str, Any] = field(default_factory=dict)
    # The two objects as JSON text, when ``event_clean`` has already encoded them (to check
    # their size): storing them then needs no second encoding.
    properties_json: str | None = field(default=None, repr=False, compare=False)
    context_json: str | None = field(default=None, repr=False, compare=False)


@dataclass
class EventResult:
    """What happened to one item of a batch. ``status``: created, duplicate or rejected."""

    index: int
    status: str
    event_id: int | None = None
    contact_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.status == "rejected":
            data["errors"] = self.errors
        else:
            data["event_id"], data["contact_id"] = self.event_id, self.contact_id
        return data


def event_clean(raw: Any, *, now: datetime) -> EventInput:
    """Check one event as sent by a client; ``ValidationError`` names each bad field.

    Accepted fields: ``name``; ``contact_id`` or ``email`` and/or ``external_id``;
    ``properties`` (object); ``occurred_at`` (ISO 8601, default now; without an offset it
    is UTC); ``idempotency_key``; ``context`` (object).
    """
    if not isinstance(raw, Mapping):
        raise ValidationError({"": [_("Expected an event object.")]})
    errors: dict[str, list[str]] = {}
    # NUL characters: the top-level texts here, the two objects through their JSON text below
    # (json.dumps spells NUL "\\u0000"): walking every value of every event cost as much as the rest.
    for key, value in raw.items():
        if isinstance(key, str) and "\x00" in key:
            _refuse_nul(str(key))
        if isinstance(value, str) and "\x00" in value:
            _refuse_nul(str(key))
        nested = isinstance(value, list | dict) and key not in ("properties", "context")
        if nested and (bad := nul_path(value, str(key))) is not None:
            _refuse_nul(bad)
    allowed = {"name", "contact_id", "email", "external_id", "properties", "occurred_at", "idempotency_key", "context"}
    for key in raw:
        if key not in allowed:
            errors[str(key)] = [_("Unknown field. Events have: %(fields)s.") % {"fields": ", ".join(sorted(allowed))}]
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [_("Name the event, e.g. signed_up or order_completed.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("Event names have at most %(n)s characters.") % {"n": MAX_NAME}]
    identity = None
    contact_id = raw.get("contact_id")
    if contact_id is not None and (not isinstance(contact_id, int) or isinstance(contact_id, bool) or contact_id < 1):
        errors["contact_id"] = [_("Expected the id of a contact.")]
    try:
        email = raw.get("email")
        email = _normalised_email(email) if isinstance(email, str) else normalise_email(email)
        external_id = normalise_external_id(raw.get("external_id"))
        if email or external_id:
            identity = Identity(email, external_id)
        elif contact_id is None:
            errors["email"] = [_("Identify the contact with contact_id, email or external_id.")]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    properties = raw.get("properties", {})
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        errors["properties"] = [_("Expected an object of property names and values.")]
    elif (properties_json := _json_text(properties)) is None:
        errors["properties"] = [_("Properties must be JSON values: texts, numbers, true/false, null, lists, objects.")]
    elif "\\u0000" in properties_json and (bad := nul_path(properties, "properties")) is not None:
        _refuse_nul(bad)
    elif len(properties_json) > MAX_PROPERTIES_BYTES:
        errors["properties"] = [_("Properties are too large (at most 32 KB).")]
    elif isinstance(name, str) and name == ORDER_EVENT and REVENUE_PROPERTY in properties:
        revenue = properties[REVENUE_PROPERTY]
        if not _is_amount(revenue):
            errors[f"properties.{REVENUE_PROPERTY}"] = [_("Expected the order revenue as a number, e.g. 49.90.")]
    occurred_at = now
    if raw.get("occurred_at") is not None:
        value = raw["occurred_at"]
        parsed = _parse_moment(value) if isinstance(value, str) else None
        if parsed is None:
            errors["occurred_at"] = [_("Expected a date and time in ISO 8601, e.g. 2026-11-23T14:05:00Z.")]
        elif parsed > now + FUTURE_TOLERANCE:
            errors["occurred_at"] = [_("This is more than a day in the future.")]
        else:
            occurred_at = parsed
    key = raw.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > 255):
        errors["idempotency_key"] = [_("Expected a text of 1–255 characters, unique per event.")]
    context = raw.get("context") or {}
    if not isinstance(context, dict):
        errors["context"] = [_("Expected an object.")]
    elif (context_json := _json_text(context)) is None or len(context_json) > MAX_PROPERTIES_BYTES:
        errors["context"] = [_("Context must be JSON values, at most 32 KB.")]
    elif "\\u0000" in context_json and (bad := nul_path(context, "context")) is not None:
        _refuse_nul(bad)
    if errors:
        raise ValidationError(errors)
    return EventInput(
        name=name.strip(),  # type: ignore[union-attr]
        identity=identity,
        contact_id=contact_id,
        properties=properties,
        occurred_at=occurred_at,
        idempotency_key=key.strip() if isinstance(key, str) else None,
        context=context,
        properties_json=properties_json,
        context_json=context_json,
    )


def _refuse_nul(path: str) -> None:
    raise ValidationError({path: [_("Texts may not contain the NUL character (\\u0000).")]})


# Checking an address costs more than the rest of an event; the same people come back
# batch after batch. (Invalid addresses raise, and exceptions are not cached.)
_normalised_email = functools.lru_cache(maxsize=65_536)(normalise_email)


def _json_text(value: Any) -> str | None:
    """``value`` as compact JSON; ``None`` when it is not JSON (or not finite)."""
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None


def _is_amount(value: Any) -> bool:
    return (
        isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
        and abs(float(value)) < 10**12
    )


def _parse_moment(value: str) -> datetime | None:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def events_record(*, items: Sequence[Any], source: str = "api", now: datetime | None = None) -> list[EventResult]:
    """Store a batch of events (raw client objects or ``EventInput``). One result per item, in order.

    Invalid items are rejected with their errors and the valid ones stored; an item whose
    idempotency key is already stored (or repeated earlier in the batch) is a ``duplicate``
    pointing at the stored event. Unknown contacts identified by email or external id are
    created.
    """
    now = now or timezone.now()
    if len(items) > MAX_BATCH:
        raise ValidationError({"events": [_("At most %(n)s events per request.") % {"n": MAX_BATCH}]})
    results: list[EventResult | None] = [None] * len(items)
    cleaned: dict[int, EventInput] = {}
    for index, raw in enumerate(items):
        try:
            cleaned[index] = raw if isinstance(raw, EventInput) else event_clean(raw, now=now)
        except ValidationError as exc:
            results[index] = EventResult(index, "rejected", errors=exc.message_dict)

    # Idempotency: the first item with a key wins, within the batch and against what is stored.
    key_of = {index: item.idempotency_key for index, item in cleaned.items() if item.idempotency_key}
    first_with_key: dict[str, int] = {}
    for index, item in list(cleaned.items()):
        if item.idempotency_key:
            if item.idempotency_key in first_with_key:
                results[index] = EventResult(index, "duplicate")
                del cleaned[index]
            else:
                first_with_key[item.idempotency_key] = index
    _mark_stored_duplicates(cleaned, results)

    # Contacts: by id, or resolved/created by email and external id, all at once — in a
    # transaction of their own (when the caller has none): a concurrent batch that names the
    # same new person waits on the row until it commits, which is now, not after our events.
    by_id = [item.contact_id for item in cleaned.values() if item.contact_id and not item.identity]
    with transaction.atomic():
        known_ids = set(Contact.objects.filter(pk__in=by_id).values_list("pk", flat=True))
        resolved = contact_ids_get_or_create(
            list({item.identity for item in cleaned.values() if item.identity}), now=now
        )
    with transaction.atomic():
        return _record(cleaned, resolved, known_ids, results, key_of, source=source, now=now)


def _record(
    cleaned: dict[int, EventInput],
    resolved: dict[Identity, int | ValidationError],
    known_ids: set[int],
    results: list[EventResult | None],
    key_of: dict[int, str],
    *,
    source: str,
    now: datetime,
) -> list[EventResult]:
    contact_of: dict[int, int] = {}
    for index, item in list(cleaned.items()):
        if item.identity:
            contact = resolved[item.identity]
            if isinstance(contact, ValidationError):
                results[index] = EventResult(index, "rejected", errors=contact.message_dict)
                del cleaned[index]
                continue
            if item.contact_id and item.contact_id != contact:
                results[index] = EventResult(
                    index, "rejected", errors={"contact_id": [_("This id belongs to another contact than the email.")]}
                )
                del cleaned[index]
                continue
            contact_of[index] = contact
        elif item.contact_id in known_ids:
            contact_of[index] = int(item.contact_id or 0)
        else:
            results[index] = EventResult(index, "rejected", errors={"contact_id": [_("There is no such contact.")]})
            del cleaned[index]

    created = _insert(cleaned, contact_of, results, source=source, now=now)
    _point_duplicates_at_stored_events(results, key_of)
    if created:
        _after_insert(created, now=now)
    return [r for r in results if r is not None]


def _mark_stored_duplicates(cleaned: dict[int, EventInput], results: list[EventResult | None]) -> None:
    keys = [item.idempotency_key for item in cleaned.values() if item.idempotency_key]
    if not keys:
        return
    stored = {k: (pk, contact) for k, pk, contact in _events_with_keys(keys)}
    for index, item in list(cleaned.items()):
        if item.idempotency_key in stored:
            pk, contact = stored[item.idempotency_key]
            results[index] = EventResult(index, "duplicate", event_id=pk, contact_id=contact)
            del cleaned[index]


def _events_with_keys(keys: list[str]) -> list[tuple[str | None, int, int]]:
    """(idempotency key, event id, contact id) of the stored events with one of ``keys``."""
    if connection.vendor == "postgresql":
        with bound_cursor() as cursor:  # a thousand keys as one array parameter
            cursor.execute(
                f"SELECT idempotency_key, id, contact_id FROM {Event._meta.db_table} WHERE idempotency_key = ANY(%s)",  # noqa: S608
                [keys],
            )
            return list(cursor.fetchall())
    return list(Event.objects.filter(idempotency_key__any=keys).values_list("idempotency_key", "pk", "contact_id"))


def _insert(
    cleaned: dict[int, EventInput],
    contact_of: dict[int, int],
    results: list[EventResult | None],
    *,
    source: str,
    now: datetime,
) -> list[Event]:
    for _attempt in range(3):
        # Positional, in the order of Event's columns: several times faster than keywords,
        # which mattered at a thousand events a batch.
        rows = {
            index: Event(  # type: ignore[misc]  # (the stubs do not know the columns' order)
                None,
                contact_of[index],
                item.name,
                item.properties,
                item.occurred_at,
                now,
                item.idempotency_key,
                source[:20],
                item.context,
            )
            for index, item in cleaned.items()
        }
        if not rows:
            return []
        texts = [(cleaned[index].properties_json, cleaned[index].context_json) for index in rows]
        try:
            with transaction.atomic():
                created = _events_insert(list(rows.values()), texts)
        except IntegrityError:
            # A concurrent request stored one of our keys between our check and our insert:
            # those items become duplicates, the rest is inserted again.
            _mark_stored_duplicates(cleaned, results)
            continue
        for index, event in zip(rows, created, strict=True):
            results[index] = EventResult(index, "created", event_id=event.pk, contact_id=event.contact_id)
        return created
    raise IntegrityError("events could not be stored after three attempts")


def _events_insert(events: list[Event], texts: list[tuple[str | None, str | None]]) -> list[Event]:
    """Insert ``events``, setting their ids. Raises ``IntegrityError`` if an idempotency key is taken.

    ``texts``: per event, its properties and context as JSON if already encoded.

    On PostgreSQL the rows go in with ``COPY`` under ids drawn from the table's sequence: a
    third of the cost of ``bulk_create``, whose per-value preparation and parameter quoting
    took longer than the insert itself.
    """
    if connection.vendor != "postgresql" or len(events) < 2:
        return Event.objects.bulk_create(events)
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(events)]
        )
        for event, (pk,) in zip(events, cursor.fetchall(), strict=True):
            event.pk = pk
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {table} (id, contact_id, name, properties, occurred_at, received_at, idempotency_key, source, "
                "context) FROM STDIN"
            ) as copy,
        ):
            for event, (properties, context) in zip(events, texts, strict=True):
                copy.write_row(
                    (
                        event.pk,
                        event.contact_id,
                        event.name,
                        json.dumps(event.properties) if properties is None else properties,
                        _aware(event.occurred_at),
                        _aware(event.received_at),
                        event.idempotency_key,
                        event.source,
                        json.dumps(event.context) if context is None else context,
                    )
                )
    for event in events:
        event._state.adding = False
        event._state.db = connection.alias
    return events


def _aware(moment: datetime) -> datetime:
    # As Django reads a naive date-time (in the default time zone); COPY would take UTC.
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _point_duplicates_at_stored_events(results: list[EventResult | None], key_of: dict[int, str]) -> None:
    """Duplicates found inside the batch get the id of the event their key stored."""
    waiting = [r for r in results if r is not None and r.status == "duplicate" and r.event_id is None]
    if not waiting:
        return
    stored = {
        key: (pk, contact)
        for key, pk, contact in Event.objects.filter(
            idempotency_key__any=[key_of[r.index] for r in waiting]
        ).values_list("idempotency_key", "pk", "contact_id")
    }
    for result in waiting:
        result.event_id, result.contact_id = stored.get(key_of[result.index], (None, None))


def _after_insert(created: list[Event], *, now: datetime) -> None:
    contact_ids = {event.contact_id for event in created}
    _contacts_lock(contact_ids)
    latest: dict[int, datetime] = {}
    for event in created:
        if event.occurred_at <= now and (
            event.contact_id not in latest or event.occurred_at > latest[event.contact_id]
        ):
            latest[event.contact_id] = event.occurred_at
    if latest:
        _last_seen_advance(latest)
    ordering = {event.contact_id for event in created if event.name == ORDER_EVENT}
    if ordering:
        order_totals_refresh(ordering)
    _stage_rules_for_events(created, now=now)
    contacts_mark_dirty(contact_ids, now=now)
    signals.events_recorded.send(sender=Event, events=created)


def _contacts_lock(contact_ids: set[int]) -> None:
    """Lock the batch's contacts, in ascending id order, before any statement below updates them.

    Concurrent batches share contacts, and each UPDATE locks its rows in whatever order its
    plan visits them; two batches taking two of the same rows in opposite orders deadlock
    (measured: one in ~100 batches with four concurrent clients). Taking every lock up
    front, in one order, rules that out. (SQLite locks the whole database instead.)
    """
    if connection.vendor != "postgresql":
        return
    with bound_cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Contact._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",  # noqa: S608
            [sorted(contact_ids)],
        )


def _last_seen_advance(latest: dict[int, datetime]) -> None:
    """One statement for the batch: last_seen_at = max(last_seen_at, newest event of this batch)."""
    if connection.vendor == "postgresql":
        # Two arrays joined to the table: a CASE with a branch per contact costs Django and
        # PostgreSQL time quadratic in the batch (~0.3 s for 1,000 contacts). Rows that would
        # not change are not written. ``id = ANY`` gives the planner the index to find the
        # rows by (without it, it hashes the whole table).
        ids = sorted(latest)
        with bound_cursor() as cursor:  # the arrays as parameters, not quoted into the SQL
            cursor.execute(
                f"""UPDATE {Contact._meta.db_table} AS c SET last_seen_at = v.seen
                FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, seen)
                WHERE c.id = ANY(%s) AND c.id = v.id AND (c.last_seen_at IS NULL OR c.last_seen_at < v.seen)""",  # noqa: S608
                [ids, [latest[pk] for pk in ids], ids],
            )
        return
    newest = Case(*(When(pk=pk, then=Value(moment)) for pk, moment in latest.items()), output_field=DateTimeField())
    Contact.objects.filter(pk__in=latest).update(last_seen_at=Greatest(Coalesce("last_seen_at", newest), newest))


def order_totals_refresh(contact_ids: set[int]) -> None:
    """Recompute order count, revenue and first/last order time from the contacts' order events."""
    orders = Event.objects.filter(contact=OuterRef("pk"), name=ORDER_EVENT).order_by().values("contact")
    revenue = Cast(KeyTextTransform(REVENUE_PROPERTY, "properties"), DecimalField(max_digits=14, decimal_places=2))
    Contact.objects.filter(pk__any=sorted(contact_ids)).update(
        order_count=Coalesce(Subquery(orders.annotate(n=Count("pk")).values("n")), 0),
        total_revenue=Coalesce(
            Subquery(orders.annotate(s=Sum(revenue)).values("s")), Value(Decimal(0)), output_field=DecimalField()
        ),
        first_order_at=Subquery(orders.annotate(t=Min("occurred_at")).values("t")),
        last_order_at=Subquery(orders.annotate(t=Max("occurred_at")).values("t")),
    )


def _stage_rules_for_events(created: list[Event], *, now: datetime) -> None:
    from contacts.services.contacts import stages_set
    from contacts.services.segments import stage_rule_candidates

    names = {event.name for event in created}
    for rule in StageRule.objects.filter(
        is_active=True, trigger=StageRule.Trigger.EVENT, event_name__in=names
    ).select_related("to_stage"):
        contact_ids = {event.contact_id for event in created if event.name == rule.event_name}
        candidates = stage_rule_candidates(rule, contact_ids, now=now)
        stages_set(contact_ids=candidates, stage=rule.to_stage, cause=StageChange.Cause.RULE, detail=rule.name, now=now)


def event_record(
    *,
    name: str,
    email: str | None = None,
    external_id: str | None = None,
    contact: Contact | None = None,
    properties: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
    source: str = "api",
    now: datetime | None = None,
) -> EventResult:
    """Record one event; raises ``ValidationError`` when it is rejected."""
    now = now or timezone.now()
    raw: dict[str, Any] = {"name": name, "properties": properties or {}}
    if contact is not None:
        raw["contact_id"] = contact.pk
    if email is not None:
        raw["email"] = email
    if external_id is not None:
        raw["external_id"] = external_id
    if occurred_at is not None:
        raw["occurred_at"] = occurred_at.isoformat()
    if idempotency_key is not None:
        raw["idempotency_key"] = idempotency_key
    result = events_record(items=[raw], source=source, now=now)[0]
    if result.status == "rejected":
        raise ValidationError(result.errors)
    return result
