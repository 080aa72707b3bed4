"""Small pure helpers the executor's nodes and triggers share: event property filters and
dates of a contact in their time zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime

from contacts.models import Contact

_MISSING = object()


def property_value(properties: Mapping[str, Any], path: str) -> Any:
    """``properties["a"]["b"]`` for ``"a.b"``; ``_MISSING`` when a part is absent."""
    value: Any = properties
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            return None
    return None


def _compare(op: str, actual: Any, expected: Any) -> bool:
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        left: Any
        right: Any
        left, right = a, b
    elif isinstance(actual, str) and isinstance(expected, str):
        left, right = actual, expected
    elif op in ("eq", "neq"):
        return (actual == expected) == (op == "eq")
    else:
        return False  # order between a text and a number, or anything else, never holds
    return {
        "eq": left == right,
        "neq": left != right,
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }[op]


def filter_matches(condition: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
    """Whether ``properties`` satisfy one ``{"property", "op", "value"}`` filter (the same
    operators as rules' event filters: numbers compare as numbers, "5000" too)."""
    op = condition.get("op", "eq")
    value = property_value(properties, condition["property"])
    if op == "exists":
        return value is not _MISSING and value is not None
    if op == "not_exists":
        return value is _MISSING or value is None
    if value is _MISSING:
        return op == "neq"
    expected = condition.get("value")
    if op == "contains":
        return isinstance(value, str) and isinstance(expected, str) and expected.casefold() in value.casefold()
    if op == "starts_with":
        return isinstance(value, str) and isinstance(expected, str) and value.casefold().startswith(expected.casefold())
    if op == "in":
        options = expected if isinstance(expected, list) else [expected]
        return any(_compare("eq", value, option) for option in options)
    if op in ("eq", "neq", "gt", "gte", "lt", "lte"):
        return _compare(op, value, expected)
    return False


def filters_match(where: Sequence[Mapping[str, Any]] | None, properties: Mapping[str, Any]) -> bool:
    """Whether every filter of ``where`` matches (no filters: always)."""
    return all(filter_matches(condition, properties or {}) for condition in where or ())


def clock_time(value: Any, default: time = time(9, 0)) -> time:
    """A config time (``"09:30"`` or a ``time``) as a ``time``; ``default`` when unreadable."""
    if isinstance(value, time):
        return value
    try:
        hours, minutes = str(value).split(":")[:2]
        return time(int(hours), int(minutes))
    except ValueError:
        return default


def zone_named(name: str) -> ZoneInfo:
    """The time zone ``name`` (validated when stored), else the workspace's."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)  # ZoneInfo keeps its own cache of zones
    except (KeyError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def zone_of(contact: Contact) -> ZoneInfo:
    """The contact's time zone, else the workspace's."""
    return zone_named(contact.timezone)


def contact_date_value(contact: Contact, name: str) -> Any:
    """A contact field (``created_at``) or attribute (``trial_ends_at``, ``company.founded``)."""
    if "." not in name and name in ("created_at", "last_seen_at", "first_order_at", "last_order_at"):
        return getattr(contact, name)
    value = property_value(contact.attributes or {}, name)
    return None if value is _MISSING else value


def as_date_or_moment(value: Any) -> date | datetime | None:
    """A stored date (``2026-12-24``) or moment (ISO 8601) as a ``date`` or aware ``datetime``."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) == 10:
        try:
            return parse_date(text)
        except ValueError:
            return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``zone`` (a time DST skips moves forward by the gap, 02:30 → 03:30;
    a repeated one takes the first)."""
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=zone)
    # A time that does not exist (spring forward) is read with the offset before the change
    # (fold=0), so its instant already is that wall time moved forward by the gap: normalise it.
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        moment = moment.astimezone(UTC).astimezone(zone)
    return moment


def add_local_days(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """``moment`` plus ``days`` calendar days in ``zone``: the same wall time, across DST."""
    local = moment.astimezone(zone)
    return local_moment(local.date() + timedelta(days=days), local.time().replace(tzinfo=None), zone)


def next_local_time(after: datetime, at: time, zone: ZoneInfo, weekdays: Sequence[int] | None = None) -> datetime:
    """The first moment at or after ``after`` whose wall time in ``zone`` is ``at`` on one of
    ``weekdays`` (Monday 0; none: any day)."""
    local = after.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if weekdays and day.weekday() not in weekdays:
            continue
        candidate = local_moment(day, at, zone)
        if candidate >= after:
            return candidate
    return local_moment(local.date() + timedelta(days=8), at, zone)  # unreachable with valid weekdays
