"""Segment messages → Flowbuilder contacts and events (docs/ingest-segment.md has the mapping).

``messages_ingest`` takes the messages of one request in order. Runs of event-like messages
(track, page, screen) go to ``events_record`` together, set-based; identify, group and alias
change contacts one at a time through ``contact_upsert``, between those runs, so an identify
sent before a track in the same batch applies first.

Identity: ``userId`` is the contact's external id. A visitor known only by ``anonymousId`` is a
contact with the external id ``anonymous:<anonymousId>``; the first message that carries both
ids (an identify, usually) gives that contact the user id — or, when a contact with that user
id or email already exists, moves the visitor's events to it and removes the visitor — so
earlier page views stay with the person.
"""

from __future__ import annotations

import contextlib
import functools
import json
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from contacts.models import Contact, Event
from contacts.services.contacts import Identity, contact_upsert, contacts_find, normalise_locale
from contacts.services.events import (
    FUTURE_TOLERANCE,
    MAX_BATCH,
    ORDER_EVENT,
    REVENUE_PROPERTY,
    EventInput,
    event_clean,
    events_record,
)
from contacts.services.refresh import contacts_mark_dirty

ANONYMOUS_PREFIX = "anonymous:"
MAX_MESSAGE_BYTES = 32 * 1024
MAX_ID = 200
TYPES = ("identify", "track", "page", "screen", "group", "alias")
EVENT_TYPES = {"track", "page", "screen"}
PAGE_EVENT = "page_viewed"
SCREEN_EVENT = "screen_viewed"
SPEC_ORDER_EVENT = "Order Completed"
PAGE_FIELDS = ("url", "path", "title", "referrer", "search")
# Reserved Segment traits that are contact fields, not attributes.
NAME_TRAITS = {"firstName": "first_name", "first_name": "first_name", "lastName": "last_name", "last_name": "last_name"}
SOURCE = "segment"
# The REST API's names of an event's fields, as the Segment spec calls them (for error messages).
EVENT_FIELDS = {"name": "event", "occurred_at": "timestamp", "idempotency_key": "messageId", "external_id": "userId"}


@dataclass
class Rejected:
    index: int
    message_id: str | None
    errors: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "messageId": self.message_id, "errors": self.errors}


@dataclass
class IngestReport:
    """What one request did: messages stored (events, contact changes), duplicates, rejected ones."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def message_size(message: Any) -> int:
    return len(json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def _text(value: Any, name: str, errors: dict[str, list[str]], *, limit: int = MAX_ID) -> str | None:
    """A non-empty id or name; numbers are accepted as texts (SDKs send numeric user ids)."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        errors[name] = [_("Expected a text.")]
        return None
    if len(value) > limit:
        errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
        return None
    return value.strip()


def _object(value: Any, name: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors[name] = [_("Expected an object.")]
        return {}
    return value


def _moment(value: Any, name: str, errors: dict[str, list[str]]) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors[name] = [_("Expected a date and time in ISO 8601, e.g. 2026-11-23T14:05:00Z.")]
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


@dataclass
class Message:
    """One message, checked: its type, who it is about, and its payload."""

    index: int
    type: str
    user_id: str | None
    anonymous_id: str | None
    message_id: str | None
    occurred_at: datetime | None
    context: dict[str, Any]
    raw: Mapping[str, Any]
    event: EventInput | None = None  # track, page, screen: checked as events_record will store it

    @property
    def external_id(self) -> str:
        return self.user_id or f"{ANONYMOUS_PREFIX}{self.anonymous_id}"


def message_clean(raw: Any, *, index: int, default_type: str | None, now: datetime, ip: str = "") -> Message:
    """Check one message; ``ValidationError`` names each bad field with the reason."""
    if not isinstance(raw, Mapping):
        raise ValidationError({"": [_("Expected a message object.")]})
    errors: dict[str, list[str]] = {}
    kind = raw.get("type", default_type)
    if not isinstance(kind, str):
        kind = ""  # (a list or object as the type: unknown, reported below)
    if default_type and raw.get("type") not in (None, default_type):
        errors["type"] = [_("This endpoint takes “%(type)s” messages.") % {"type": default_type}]
    elif kind not in TYPES:
        errors["type"] = [_("Unknown message type. Use one of: %(types)s.") % {"types": ", ".join(TYPES)}]
    if kind not in EVENT_TYPES and message_size(raw) > MAX_MESSAGE_BYTES:  # events: measured below
        errors[""] = [_("The message is larger than 32 KB.")]
    user_id = _text(raw.get("userId"), "userId", errors)
    anonymous_id = _text(raw.get("anonymousId"), "anonymousId", errors)
    if user_id is None and anonymous_id is None and "userId" not in errors and "anonymousId" not in errors:
        errors["userId"] = [_("Every message needs a userId or an anonymousId.")]
    message_id = _text(raw.get("messageId"), "messageId", errors, limit=255)
    context = dict(_object(raw.get("context"), "context", errors))
    if ip and "ip" not in context:
        context["ip"] = ip
    timestamp = _moment(raw.get("timestamp"), "timestamp", errors)
    sent_at = _moment(raw.get("sentAt"), "sentAt", errors)
    original = _moment(raw.get("originalTimestamp"), "originalTimestamp", errors)
    occurred_at = timestamp
    if occurred_at is None and original is not None:
        # Segment's clock-skew correction: the device's clock may be off, the gap is not.
        occurred_at = now - (sent_at - original) if sent_at is not None else original
    if occurred_at is not None and occurred_at > now + FUTURE_TOLERANCE:
        errors["timestamp"] = [_("This is more than a day in the future.")]
    if kind == "track":
        _text(raw.get("event"), "event", errors)
        if raw.get("event") is None:
            errors["event"] = [_("Name the event, e.g. Order Completed.")]
        _object(raw.get("properties"), "properties", errors)
    elif kind in ("page", "screen"):
        _object(raw.get("properties"), "properties", errors)
        _text(raw.get("name"), "name", errors)
    elif kind in ("identify", "group"):
        _object(raw.get("traits"), "traits", errors)
        if kind == "group" and _text(raw.get("groupId"), "groupId", errors) is None and "groupId" not in errors:
            errors["groupId"] = [_("Name the group (company) with groupId.")]
    elif kind == "alias":
        if user_id is None and "userId" not in errors:
            errors["userId"] = [_("An alias needs the userId the previous id becomes.")]
        if _text(raw.get("previousId"), "previousId", errors) is None and "previousId" not in errors:
            errors["previousId"] = [_("An alias needs the previousId (the anonymous or old user id).")]
    if errors:
        raise ValidationError(errors)
    message = Message(index, str(kind), user_id, anonymous_id, message_id, occurred_at, context, raw)
    if message.type in EVENT_TYPES:
        try:
            message.event = event_clean(_event_item(message), now=now)
        except ValidationError as exc:
            raise ValidationError({EVENT_FIELDS.get(k, k): v for k, v in exc.message_dict.items()}) from None
        if occurred_at is not None:  # parsed above already; event_clean would parse it again
            message.event.occurred_at = occurred_at
        # The properties and context are all of an event's size that matters; both are encoded by now.
        if len(message.event.properties_json or "") + len(message.event.context_json or "") > MAX_MESSAGE_BYTES:
            raise ValidationError({"": [_("The message is larger than 32 KB.")]})
    return message


def _event_item(message: Message) -> dict[str, Any]:
    """The message as an item of ``events_record`` (the REST API's event shape)."""
    raw = message.raw
    properties = dict(raw.get("properties") or {})
    if message.type == "track":
        name = str(raw["event"]).strip()
        if name == SPEC_ORDER_EVENT:  # Segment's e-commerce spec: Flowbuilder's order event, revenue or total
            name = ORDER_EVENT
            if REVENUE_PROPERTY not in properties and "total" in properties:
                properties[REVENUE_PROPERTY] = properties["total"]
    elif message.type == "page":
        name = PAGE_EVENT
        given = message.context.get("page")
        page: dict[str, Any] = given if isinstance(given, dict) else {}
        for key in PAGE_FIELDS:
            if key not in properties and page.get(key) not in (None, ""):
                properties[key] = page[key]
        if raw.get("name"):
            properties.setdefault("name", raw["name"])
        if raw.get("category"):
            properties.setdefault("category", raw["category"])
    else:
        name = SCREEN_EVENT
        if raw.get("name"):
            properties.setdefault("name", raw["name"])
    item: dict[str, Any] = {
        "name": name,
        "external_id": message.external_id,
        "properties": properties,
        "context": message.context,
    }
    if message.message_id:
        item["idempotency_key"] = message.message_id
    return item


def _traits_data(traits: Mapping[str, Any]) -> dict[str, Any]:
    """Identify traits → contact fields and attributes (email is the identity, not a field)."""
    data: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in traits.items():
        if key in NAME_TRAITS:
            data[NAME_TRAITS[key]] = value
        elif key == "email":
            continue
        elif key == "name" and isinstance(value, str):
            attributes["name"] = value
        elif value is not None:
            attributes[key] = value
    if "first_name" not in data and isinstance(traits.get("name"), str) and traits["name"].strip():
        first, _sep, last = traits["name"].strip().partition(" ")
        data["first_name"] = first
        if last.strip():
            data.setdefault("last_name", last.strip())
    if attributes:
        data["attributes"] = attributes
    return data


def _email_of(traits: Mapping[str, Any]) -> str | None:
    email = traits.get("email")
    return email if isinstance(email, str) and email.strip() else None


@transaction.atomic
def anonymous_adopt(*, anonymous_external_id: str, identity: Identity, now: datetime) -> Contact | None:
    """Give the anonymous visitor's history to the person ``identity`` names.

    No visitor: ``None``. No contact for the identity yet: the visitor becomes that contact (its
    external id and email are set). Another contact: the visitor's events move to it and the
    visitor is removed (its journey enrollments and segment memberships with it; segments
    re-evaluate the person from the events). Returns the contact that has the history.
    """
    visitor = Contact.objects.select_for_update().filter(external_id=anonymous_external_id).first()
    if visitor is None:
        return None
    found = contacts_find([identity])[identity]
    if isinstance(found, ValidationError):
        raise found
    if found is None or found.pk == visitor.pk:
        visitor.external_id = identity.external_id
        if identity.email and not visitor.email:
            visitor.email = identity.email
        try:
            with transaction.atomic():
                visitor.save(update_fields=["external_id", "email", "updated_at"])
        except IntegrityError:
            raise ValidationError({"userId": [_("Another contact already has this id.")]}) from None
        contacts_mark_dirty([visitor.pk], now=now)
        return visitor
    Event.objects.filter(contact_id=visitor.pk).update(contact_id=found.pk)
    visitor.delete()
    contacts_mark_dirty([found.pk], now=now)
    return found


def _context_defaults(contact_ids_by_value: dict[tuple[str, str], set[int]]) -> None:
    """Fill time zone and locale from the SDK's context for contacts that have none."""
    for (name, value), ids in contact_ids_by_value.items():
        Contact.objects.filter(pk__any=sorted(ids), **{name: ""}).update(**{name: value})


def _context_values(context: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The contact fields the SDK's context can fill: ``("timezone", …)``, ``("locale", …)``."""
    tz, locale = context.get("timezone"), context.get("locale")
    return _checked_context(tz if isinstance(tz, str) else "", locale if isinstance(locale, str) else "")


@functools.lru_cache(maxsize=1024)
def _checked_context(tz: str, locale: str) -> tuple[tuple[str, str], ...]:
    """Checked once per distinct pair: a batch's messages mostly share one (it is per event)."""
    found = []
    if tz:
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            zoneinfo.ZoneInfo(tz)
            found.append(("timezone", tz))
    if locale:
        with contextlib.suppress(ValidationError):  # an unknown language is left out, not an error
            found.append(("locale", normalise_locale(locale)))
    return tuple(found)


class _Run:
    """Consecutive event-like messages, recorded together."""

    def __init__(self, report: IngestReport, now: datetime) -> None:
        self.report = report
        self.now = now
        self.messages: list[Message] = []

    def flush(self) -> None:
        messages, self.messages = self.messages, []
        for start in range(0, len(messages), MAX_BATCH):
            self._record(messages[start : start + MAX_BATCH])

    def _record(self, messages: list[Message]) -> None:
        both = [m for m in messages if m.user_id and m.anonymous_id]
        if both:
            anonymous = {f"{ANONYMOUS_PREFIX}{m.anonymous_id}": m for m in both}
            present = Contact.objects.filter(external_id__any=list(anonymous)).values_list("external_id", flat=True)
            for external_id in filter(None, present):
                with contextlib.suppress(ValidationError):  # the events still go to the user id's contact
                    anonymous_adopt(
                        anonymous_external_id=external_id,
                        identity=Identity(None, anonymous[external_id].user_id),
                        now=self.now,
                    )
        results = events_record(items=[m.event for m in messages], source=SOURCE, now=self.now)
        defaults: dict[tuple[str, str], set[int]] = {}
        for message, result in zip(messages, results, strict=True):
            if result.status == "created":
                self.report.stored += 1
                for pair in _context_values(message.context):
                    defaults.setdefault(pair, set()).add(int(result.contact_id or 0))
            elif result.status == "duplicate":
                self.report.duplicates += 1
            else:
                self.report.rejected.append(Rejected(message.index, message.message_id, result.errors))
        _context_defaults(defaults)


def _contact_message(message: Message, *, now: datetime) -> None:
    """identify, group or alias: one contact change (``ValidationError`` for bad values)."""
    raw = message.raw
    if message.type == "alias":
        previous = str(raw["previousId"]).strip()
        target = Identity(None, message.user_id)
        for candidate in (previous, f"{ANONYMOUS_PREFIX}{previous}"):
            if anonymous_adopt(anonymous_external_id=candidate, identity=target, now=now):
                return
        contact_upsert(external_id=message.user_id, source=SOURCE, now=now)
        return
    traits = raw.get("traits") or {}
    if message.type == "identify":
        # RudderStack's libraries send identify traits in context.traits; Segment's at the top.
        in_context = message.context.get("traits")
        if isinstance(in_context, dict):
            traits = {**in_context, **traits}
        email = _email_of(traits)
        if message.user_id and message.anonymous_id:
            anonymous_adopt(
                anonymous_external_id=f"{ANONYMOUS_PREFIX}{message.anonymous_id}",
                identity=Identity.clean(email, message.user_id),
                now=now,
            )
        data = _traits_data(traits)
    else:  # group: the company the person belongs to
        data = {"attributes": {"company": {"id": str(raw["groupId"]).strip(), **traits}}}
        email = None
    contact, _created = contact_upsert(email=email, external_id=message.external_id, data=data, source=SOURCE, now=now)
    filled = [(name, value) for name, value in _context_values(message.context) if not getattr(contact, name)]
    if filled:
        Contact.objects.filter(pk=contact.pk).update(**dict(filled))


def messages_ingest(
    *, messages: Sequence[Any], default_type: str | None = None, ip: str = "", now: datetime | None = None
) -> IngestReport:
    """Store what ``messages`` say, in order. Each invalid message is reported (index, messageId,
    reasons) and the rest stored; a retried ``messageId`` is stored once (``duplicates``)."""
    now = now or timezone.now()
    report = IngestReport()
    run = _Run(report, now)
    for index, raw in enumerate(messages):
        try:
            message = message_clean(raw, index=index, default_type=default_type, now=now, ip=ip)
        except ValidationError as exc:
            message_id = raw.get("messageId") if isinstance(raw, Mapping) else None
            report.rejected.append(
                Rejected(index, message_id if isinstance(message_id, str) else None, exc.message_dict)
            )
            continue
        if message.type in EVENT_TYPES:
            run.messages.append(message)
            continue
        run.flush()
        try:
            with transaction.atomic():
                _contact_message(message, now=now)
            report.stored += 1
        except ValidationError as exc:
            report.rejected.append(Rejected(index, message.message_id, exc.message_dict))
    run.flush()
    report.rejected.sort(key=lambda r: r.index)
    return report
