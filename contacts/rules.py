"""The segment rule language: validate a rule, compile it to SQL (a ``Q`` over contacts).

One implementation serves "who is in this segment" (``Contact.objects.filter(q)``), "is
this contact in it" and "which of these contacts are in which segments" (the same ``Q``
as a boolean annotation), segments, journey conditions and stage rules alike.

A rule is JSON. Groups::

    {"all": [rule, ...]}      every rule matches
    {"any": [rule, ...]}      at least one matches
    {"not": rule}             the rule does not match

Leaves have a ``type``::

    {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"}
    {"type": "event", "name": "order_completed", "count": {"op": "gte", "value": 2},
     "within_days": 90, "where": [{"property": "revenue", "op": "gt", "value": 50}]}
    {"type": "stage", "op": "in", "value": ["customer", "repeat_customer"]}
    {"type": "consent", "op": "in", "value": ["subscribed"]}
    {"type": "tag", "op": "has", "value": "vip"}
    {"type": "segment", "op": "in", "value": 12}
    {"type": "rfm", "metric": "recency", "op": "gte", "value": 60}

docs/segments.md describes every operator with examples. Errors name the path of the
offending part (``all.1.count.op``) so an editor can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from flowbuilder.core.validation import nul_path

MAX_DEPTH = 8
MAX_LEAVES = 100

COMPARISONS = ("eq", "neq", "gt", "gte", "lt", "lte")
TEXT_OPS = ("contains", "starts_with")
PRESENCE_OPS = ("exists", "not_exists")
DATE_OPS = ("before", "after", "within_last", "not_within_last")
VALUE_OPS = (*COMPARISONS, *TEXT_OPS, "in", *PRESENCE_OPS, *DATE_OPS)
COUNT_OPS = ("gte", "lte", "eq")

# Contact columns a rule may name directly; anything else is a key of ``attributes``
# (a dotted path reaches into nested objects).
CONTACT_FIELDS: dict[str, str] = {
    "email": "text",
    "first_name": "text",
    "last_name": "text",
    "timezone": "text",
    "locale": "text",
    "external_id": "text",
    "created_at": "datetime",
    "last_seen_at": "datetime",
    "order_count": "number",
    "total_revenue": "number",
    "first_order_at": "datetime",
    "last_order_at": "datetime",
}
RFM_METRICS = ("recency", "frequency", "monetary")
CONSENT_VALUES = ("subscribed", "unsubscribed", "bounced", "complained")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELD = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*")


class RuleErrors(ValidationError):
    """Problems with a rule: ``errors`` maps each path (``all.1.op``) to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__({path or "rules": messages for path, messages in errors.items()})


@dataclass(frozen=True)
class Context:
    """What compiling needs from the outside world."""

    now: datetime
    stage_ids: dict[str, int]
    # segment id -> (kind, rules); static segments compile to their member table.
    segments: dict[int, tuple[str, Any]]
    # When set, the compiled ``Q`` is only ever applied to these contacts, and subqueries
    # (events, tags, static members) are narrowed to them: evaluated in a SELECT list, as
    # when re-evaluating a few contacts, PostgreSQL would otherwise hash the whole event
    # history for every segment (tens of milliseconds per segment at 1M events).
    contact_ids: tuple[int, ...] | None = None


# --- validation -------------------------------------------------------------------------------


def validate(
    rule: Any,
    *,
    stage_keys: set[str] | None = None,
    segments: dict[int, tuple[str, Any]] | None = None,
    segment_id: int | None = None,
) -> None:
    """Raise ``RuleErrors`` unless ``rule`` is well-formed.

    With ``stage_keys``/``segments`` it also checks references exist; with ``segment_id`` (the
    segment being saved) it refuses a membership reference that leads back to itself.
    """
    errors: dict[str, list[str]] = {}
    leaves = 0

    def err(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    def walk(node: Any, path: str, depth: int) -> None:
        nonlocal leaves
        if depth > MAX_DEPTH:
            err(path, _("Rules are nested too deeply (at most %(n)s levels).") % {"n": MAX_DEPTH})
            return
        if not isinstance(node, dict):
            err(path, _('Expected an object such as {"all": [...]} or {"type": "attribute", ...}.'))
            return
        groups = [key for key in ("all", "any", "not") if key in node]
        if groups:
            if len(node) != 1:
                err(path, _("A group has exactly one key: all, any or not."))
                return
            key = groups[0]
            child_path = _join(path, key)
            if key == "not":
                walk(node["not"], child_path, depth + 1)
            elif not isinstance(node[key], list) or not node[key]:
                err(child_path, _("Expected a non-empty list of rules."))
            else:
                for index, child in enumerate(node[key]):
                    walk(child, _join(child_path, index), depth + 1)
            return
        leaves += 1
        kind = node.get("type")
        checker = LEAF_VALIDATORS.get(kind) if isinstance(kind, str) else None
        if checker is None:
            err(
                _join(path, "type"),
                _("Unknown rule type %(type)r. Use all, any, not or one of: %(types)s.")
                % {"type": kind, "types": ", ".join(LEAF_VALIDATORS)},
            )
            return
        checker(node, path, err, stage_keys, segments)

    if (bad := nul_path(rule)) is not None:
        err(bad, _("Texts may not contain the NUL character (\\u0000)."))
    else:
        walk(rule, "", 0)
    if leaves > MAX_LEAVES:
        err("", _("A rule may have at most %(n)s conditions.") % {"n": MAX_LEAVES})
    if not errors and segments is not None and segment_id is not None:
        cycle = _segment_cycle(rule, segments, segment_id)
        if cycle:
            err("", _("Segments cannot include each other in a circle: %(path)s.") % {"path": " → ".join(cycle)})
    if errors:
        raise RuleErrors(errors)


def _join(path: str, part: str | int) -> str:
    return f"{path}.{part}" if path else str(part)


Err = Callable[[str, str], None]


def _unknown_keys(node: dict[str, Any], allowed: set[str], path: str, err: Err) -> None:
    for key in node:
        if key not in allowed:
            err(_join(path, key), _("Unknown key %(key)r.") % {"key": key})


def _check_value(node: dict[str, Any], path: str, err: Err, *, field_type: str | None) -> None:
    """Check ``op``/``value`` of an attribute comparison or an event property filter."""
    op = node.get("op")
    if op not in VALUE_OPS:
        err(
            _join(path, "op"),
            _("Unknown operator %(op)r. Use one of: %(ops)s.") % {"op": op, "ops": ", ".join(VALUE_OPS)},
        )
        return
    value = node.get("value")
    vpath = _join(path, "value")
    if op in PRESENCE_OPS:
        if "value" in node:
            err(vpath, _("“%(op)s” takes no value.") % {"op": op})
    elif op == "in":
        if not isinstance(value, list) or not value or not all(_is_scalar(v) for v in value):
            err(vpath, _("Expected a non-empty list of texts or numbers."))
    elif op in TEXT_OPS:
        if not isinstance(value, str) or not value:
            err(vpath, _("Expected a text."))
    elif op in ("within_last", "not_within_last"):
        if not (_is_int(value) and value >= 0):  # type: ignore[operator]
            err(vpath, _("Expected a whole number of days (0 or more)."))
    elif op in ("before", "after"):
        if not isinstance(value, str) or _parse_when(value) is None:
            err(vpath, _("Expected a date such as 2026-01-31 or a date and time in ISO 8601."))
    elif op in ("gt", "gte", "lt", "lte"):
        if field_type == "datetime":
            if not isinstance(value, str) or _parse_when(value) is None:
                err(vpath, _("Expected a date such as 2026-01-31 or a date and time in ISO 8601."))
        elif not (_is_number(value) or isinstance(value, str)):
            err(vpath, _("Expected a number or a text."))
        elif field_type == "number" and not _is_number(value):
            err(vpath, _("Expected a number."))
    elif not _is_scalar(value) and value is not None:
        err(vpath, _("Expected a text, number, true/false or null."))


def _check_attribute(node: dict[str, Any], path: str, err: Err, *_refs: Any) -> None:
    _unknown_keys(node, {"type", "field", "op", "value"}, path, err)
    field = node.get("field")
    if not isinstance(field, str) or not _FIELD.fullmatch(field):
        err(_join(path, "field"), _("Expected a field name such as plan or company.size."))
        return
    _check_value(node, path, err, field_type=CONTACT_FIELDS.get(field))


def _check_event(node: dict[str, Any], path: str, err: Err, *_refs: Any) -> None:
    _unknown_keys(node, {"type", "name", "count", "within_days", "where"}, path, err)
    if not isinstance(node.get("name"), str) or not node["name"].strip():
        err(_join(path, "name"), _("Name the event, e.g. order_completed."))
    count = node.get("count", {"op": "gte", "value": 1})
    cpath = _join(path, "count")
    if not isinstance(count, dict):
        err(cpath, _('Expected {"op": "gte", "value": 1}.'))
    else:
        _unknown_keys(count, {"op", "value"}, cpath, err)
        if count.get("op") not in COUNT_OPS:
            err(_join(cpath, "op"), _("Use gte (at least), lte (at most) or eq (exactly)."))
        if not _is_int(count.get("value")) or count["value"] < 0:
            err(_join(cpath, "value"), _("Expected a whole number (0 or more)."))
    if "within_days" in node and (not _is_int(node["within_days"]) or node["within_days"] < 1):
        err(_join(path, "within_days"), _("Expected a whole number of days (1 or more)."))
    where = node.get("where", [])
    wpath = _join(path, "where")
    if not isinstance(where, list):
        err(wpath, _("Expected a list of property filters."))
        return
    for index, item in enumerate(where):
        ipath = _join(wpath, index)
        if not isinstance(item, dict):
            err(ipath, _('Expected {"property": …, "op": …, "value": …}.'))
            continue
        _unknown_keys(item, {"property", "op", "value"}, ipath, err)
        prop = item.get("property")
        if not isinstance(prop, str) or not _FIELD.fullmatch(prop):
            err(_join(ipath, "property"), _("Expected a property name such as revenue or item.sku."))
        _check_value(item, ipath, err, field_type=None)


def _check_stage(node: dict[str, Any], path: str, err: Err, stage_keys: set[str] | None, *_refs: Any) -> None:
    _unknown_keys(node, {"type", "op", "value"}, path, err)
    if node.get("op") not in ("in", "not_in"):
        err(_join(path, "op"), _("Use in or not_in."))
    value = node.get("value")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        err(_join(path, "value"), _("Expected a non-empty list of stage keys."))
    elif stage_keys is not None:
        for key in value:
            if key not in stage_keys:
                err(_join(path, "value"), _("There is no lifecycle stage %(key)r.") % {"key": key})


def _check_consent(node: dict[str, Any], path: str, err: Err, *_refs: Any) -> None:
    _unknown_keys(node, {"type", "op", "value"}, path, err)
    if node.get("op") not in ("in", "not_in"):
        err(_join(path, "op"), _("Use in or not_in."))
    value = node.get("value")
    if not isinstance(value, list) or not value or any(v not in CONSENT_VALUES for v in value):
        err(_join(path, "value"), _("Expected a list of: %(values)s.") % {"values": ", ".join(CONSENT_VALUES)})


def _check_tag(node: dict[str, Any], path: str, err: Err, *_refs: Any) -> None:
    _unknown_keys(node, {"type", "op", "value"}, path, err)
    if node.get("op") not in ("has", "has_not"):
        err(_join(path, "op"), _("Use has or has_not."))
    if not isinstance(node.get("value"), str) or not node["value"].strip():
        err(_join(path, "value"), _("Name the tag."))


def _check_segment(
    node: dict[str, Any], path: str, err: Err, stage_keys: Any, segments: dict[int, tuple[str, Any]] | None
) -> None:
    _unknown_keys(node, {"type", "op", "value"}, path, err)
    if node.get("op") not in ("in", "not_in"):
        err(_join(path, "op"), _("Use in or not_in."))
    value = node.get("value")
    if not _is_int(value):
        err(_join(path, "value"), _("Expected the id of a segment."))
    elif segments is not None and value not in segments:
        err(_join(path, "value"), _("There is no segment %(id)s.") % {"id": value})


def _check_rfm(node: dict[str, Any], path: str, err: Err, *_refs: Any) -> None:
    _unknown_keys(node, {"type", "metric", "op", "value"}, path, err)
    if node.get("metric") not in RFM_METRICS:
        err(
            _join(path, "metric"),
            _("Use recency (days since the last order), frequency (orders) or monetary (revenue)."),
        )
    if node.get("op") not in COMPARISONS:
        err(_join(path, "op"), _("Use one of: %(ops)s.") % {"ops": ", ".join(COMPARISONS)})
    if not _is_number(node.get("value")) or node["value"] < 0:
        err(_join(path, "value"), _("Expected a number (0 or more)."))


LEAF_VALIDATORS: dict[str, Callable[..., None]] = {
    "attribute": _check_attribute,
    "event": _check_event,
    "stage": _check_stage,
    "consent": _check_consent,
    "tag": _check_tag,
    "segment": _check_segment,
    "rfm": _check_rfm,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _parse_when(value: str) -> datetime | date | None:
    """A ``date`` for ``2026-01-31``, a ``datetime`` for ISO 8601 with a time, else ``None``."""
    try:
        if _DATE_ONLY.fullmatch(value.strip()):
            return parse_date(value.strip())
        return parse_datetime(value.strip())
    except ValueError:
        return None


def leaves(rule: Any) -> Iterator[dict[str, Any]]:
    """Every leaf of a (valid) rule."""
    if isinstance(rule, dict):
        for key in ("all", "any"):
            if key in rule:
                for child in rule[key]:
                    yield from leaves(child)
                return
        if "not" in rule:
            yield from leaves(rule["not"])
            return
        yield rule


def referenced_segments(rule: Any) -> set[int]:
    return {leaf["value"] for leaf in leaves(rule) if leaf.get("type") == "segment"}


def uses_time(
    rule: Any, segments: dict[int, tuple[str, Any]] | None = None, _seen: frozenset[int] = frozenset()
) -> bool:
    """Whether membership can change by the passing of time alone (then it is re-evaluated on a schedule)."""
    for leaf in leaves(rule):
        kind = leaf.get("type")
        if kind == "event" and "within_days" in leaf:
            return True
        if kind == "attribute" and leaf.get("op") in ("within_last", "not_within_last"):
            return True
        if kind == "rfm" and leaf.get("metric") == "recency":
            return True
        if kind == "segment" and segments and leaf["value"] in segments and leaf["value"] not in _seen:
            seg_kind, seg_rules = segments[leaf["value"]]
            if seg_kind == "dynamic" and uses_time(seg_rules, segments, _seen | {leaf["value"]}):
                return True
    return False


def _segment_cycle(rule: Any, segments: dict[int, tuple[str, Any]], start: int) -> list[str] | None:
    def visit(current_rule: Any, trail: list[int]) -> list[int] | None:
        for ref in referenced_segments(current_rule):
            if ref == start:
                return [*trail, ref]
            if ref in trail or ref not in segments:
                continue
            kind, sub_rules = segments[ref]
            if kind == "dynamic" and (found := visit(sub_rules, [*trail, ref])):
                return found
        return None

    found = visit(rule, [start])
    return [f"#{segment_id}" for segment_id in found] if found else None


# --- compilation --------------------------------------------------------------------------------


def compile_rule(rule: Any, context: Context) -> Q:
    """The ``Q`` over ``Contact`` that selects exactly the contacts matching ``rule``.

    ``rule`` must be valid (``validate``). Event history compiles so that PostgreSQL never
    rescans a large subquery per contact: "did it (not)" to ``(NOT) EXISTS``, counts to
    ``id IN (SELECT contact_id FROM event … GROUP BY … HAVING …)`` where that is a plain
    condition of the whole rule (a semi-join over one aggregation), and elsewhere (under
    ``any`` or ``not``, or "at most") to "the n-th such event exists", a correlated ``EXISTS
    (… OFFSET n-1)``: one short index probe per contact. With ``context.contact_ids`` every
    subquery is narrowed to those contacts.
    """
    return _compile(rule, context, frozenset(), top=True)


def _compile(node: dict[str, Any], ctx: Context, seen: frozenset[int], *, top: bool) -> Q:
    """``top``: ``node`` is reached from the root through ``all`` only, so its ``Q`` is one of
    the AND-ed conditions of the WHERE clause (PostgreSQL turns those subqueries into joins)."""
    if "all" in node:
        q = Q()
        for child in node["all"]:
            q &= _compile(child, ctx, seen, top=top)
        return q
    if "any" in node:
        q = Q(pk__in=[])
        for child in node["any"]:
            q |= _compile(child, ctx, seen, top=False)
        return q
    if "not" in node:
        child = _compile(node["not"], ctx, seen, top=False)
        if not child:  # not(everyone)
            return Q(pk__in=[])
        if _two_valued(node["not"]):
            return ~child
        # SQL's NOT turns an unknown (a missing JSON key, a NULL column) into unknown, which
        # would drop the contact from both a rule and its negation. CASE makes it false first.
        return Q(Case(When(child, then=Value(False)), default=Value(True), output_field=BooleanField()))
    return LEAF_COMPILERS[node["type"]](node, ctx, seen, top)


NON_NULL_FIELDS = {"order_count", "total_revenue", "created_at", "first_name", "last_name", "timezone", "locale"}


def _two_valued(node: dict[str, Any]) -> bool:
    """Whether the compiled SQL of ``node`` is always true or false, never unknown (NULL)."""
    return not any(leaf["type"] == "attribute" and leaf["field"] not in NON_NULL_FIELDS for leaf in leaves(node))


def _field_lookup(field: str) -> tuple[str, str | None]:
    """The ORM lookup path of a rule field, and its type for contact columns (``None``: JSON)."""
    if field in CONTACT_FIELDS:
        return field, CONTACT_FIELDS[field]
    return "attributes__" + field.replace(".", "__"), None


def _value_q(prefix: str, field_type: str | None, op: str, value: Any, now: datetime) -> Q:
    """A comparison on a contact column, or on a JSON path when ``field_type`` is ``None``.

    Texts compare without regard to case. Dates held in JSON compare as ISO 8601 text, so a
    malformed value never breaks the query; columns compare as dates.
    """
    json = field_type is None
    if op in PRESENCE_OPS:
        if json:
            parent, _sep, key = prefix.rpartition("__")
            present = Q(**{f"{parent}__has_key": key}) & ~Q(**{prefix: None})
        else:
            present = Q(**{f"{prefix}__isnull": False})
            if field_type == "text":
                present &= ~Q(**{prefix: ""})
        return present if op == "exists" else ~present
    if op in DATE_OPS or (field_type == "datetime" and op in COMPARISONS):
        return _date_q(prefix, op, value, now, json=json)
    if op in ("eq", "neq"):
        if json:
            equal = _json_equal(prefix, value)
        else:
            equal = Q(**{f"{prefix}__iexact" if isinstance(value, str) else prefix: value})
        return equal if op == "eq" else ~equal | Q(**{f"{prefix}__isnull": True})
    if op == "in" and json:
        q = Q(pk__in=[])
        for item in value:
            q |= _json_equal(prefix, item)
        return q
    lookups = {
        "gt": "gt",
        "gte": "gte",
        "lt": "lt",
        "lte": "lte",
        "contains": "icontains",
        "starts_with": "istartswith",
        "in": "in",
    }
    return Q(**{f"{prefix}__{lookups[op]}": value})


def _json_equal(prefix: str, value: Any) -> Q:
    """Exact, typed equality of a JSON value. On PostgreSQL a containment test (``@>``), which
    the GIN index on contact attributes serves; elsewhere a key comparison."""
    column, *path = prefix.split("__")
    if connection.vendor == "postgresql" and column == "attributes" and value is not None:
        nested: Any = value
        for part in reversed(path):
            nested = {part: nested}
        return Q(attributes__contains=nested)
    return Q(**{prefix: value})


def _date_q(prefix: str, op: str, value: Any, now: datetime, *, json: bool) -> Q:
    """Date comparisons. A date without a time means that whole day in the workspace's time zone."""

    def at(when: datetime) -> datetime | str:
        return when.isoformat() if json else when

    if op in ("within_last", "not_within_last"):
        inside = Q(**{f"{prefix}__gte": at(now - timedelta(days=int(value))), f"{prefix}__lte": at(now)})
        return inside if op == "within_last" else ~inside | Q(**{f"{prefix}__isnull": True})
    when = _parse_when(value)
    if when is None:  # validate() refuses this; never compile a rule that was not validated
        raise ValueError(f"not a date: {value!r}")
    if isinstance(when, datetime):
        start = end = when if timezone.is_aware(when) else when.replace(tzinfo=UTC)
        inclusive_end = "lte"
    else:
        start = datetime.combine(when, time.min, tzinfo=timezone.get_current_timezone())
        end, inclusive_end = start + timedelta(days=1), "lt"
    if op in ("before", "lt"):
        return Q(**{f"{prefix}__lt": at(start)})
    if op in ("after", "gt"):
        return Q(**{f"{prefix}__{'gte' if inclusive_end == 'lt' else 'gt'}": at(end)})
    if op == "gte":
        return Q(**{f"{prefix}__gte": at(start)})
    if op == "lte":
        return Q(**{f"{prefix}__{inclusive_end}": at(end)})
    same_day = Q(**{f"{prefix}__gte": at(start), f"{prefix}__{inclusive_end}": at(end)})
    return same_day if op == "eq" else ~same_day | Q(**{f"{prefix}__isnull": True})


def _compile_attribute(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    lookup, field_type = _field_lookup(node["field"])
    return _value_q(lookup, field_type, node["op"], node.get("value"), ctx.now)


def _narrowed(rows: QuerySet[Any], ctx: Context) -> QuerySet[Any]:
    """``rows`` (of a table with a ``contact`` foreign key) limited to ``ctx.contact_ids`` if set."""
    return rows if ctx.contact_ids is None else rows.filter(contact_id__in=ctx.contact_ids)


def _compile_event(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    from contacts.models import Event

    events = _narrowed(Event.objects.filter(name=node["name"]), ctx)
    if "within_days" in node:
        events = events.filter(occurred_at__gte=ctx.now - timedelta(days=node["within_days"]), occurred_at__lte=ctx.now)
    for item in node.get("where", []):
        prefix = "properties__" + item["property"].replace(".", "__")
        events = events.filter(_value_q(prefix, None, item["op"], item.get("value"), ctx.now))
    count = node.get("count", {"op": "gte", "value": 1})
    op, n = count["op"], count["value"]
    # Correlated with the contact: PostgreSQL runs these as a semi/anti-join over the whole
    # table, or per contact as one probe of the (contact, name, time) index. (A negated or
    # OR-ed ``IN`` whose subquery is too large to hash is rescanned for every contact
    # instead: minutes at 1M contacts.)
    correlated = events.filter(contact_id=OuterRef("pk"))

    def at_least(k: int) -> Q:  # k >= 1: the k-th matching event exists
        return Q(Exists(correlated[k - 1 :]))

    def counted(**having: int) -> Q:
        # Where a plain condition of the whole rule (``top``): one aggregation, semi-joined.
        return Q(pk__in=events.values("contact_id").annotate(_n=Count("id")).filter(**having).values("contact_id"))

    if op == "gte":
        if n == 0:
            return Q()
        if n == 1:
            return at_least(1)
        return counted(_n__gte=n) if top else at_least(n)
    if op == "lte":  # at most n, zero included
        return ~at_least(n + 1)
    if n == 0:  # exactly zero
        return ~at_least(1)
    return counted(_n=n) if top else at_least(n) & ~at_least(n + 1)


def _compile_stage(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    ids = [ctx.stage_ids[key] for key in node["value"] if key in ctx.stage_ids]
    q = Q(stage_id__in=ids)
    return q if node["op"] == "in" else ~q | Q(stage__isnull=True)


def _compile_consent(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    q = Q(email_consent__in=node["value"])
    return q if node["op"] == "in" else ~q


def _compile_tag(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    from contacts.models import ContactTag

    tagged = ContactTag.objects.filter(tag__name=node["value"].strip(), contact_id=OuterRef("pk"))
    q = Q(Exists(_narrowed(tagged, ctx)))
    return q if node["op"] == "has" else ~q


def _compile_segment(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    from contacts.models import SegmentMembership

    segment_id = node["value"]
    kind, rules = ctx.segments.get(segment_id, ("static", None))
    if kind == "dynamic" and rules is not None and segment_id not in seen:
        q = _compile(rules, ctx, seen | {segment_id}, top=top and node["op"] == "in")
    else:
        members = SegmentMembership.objects.filter(segment_id=segment_id, contact_id=OuterRef("pk"))
        q = Q(Exists(_narrowed(members, ctx)))
    return q if node["op"] == "in" else ~q


def _compile_rfm(node: dict[str, Any], ctx: Context, seen: frozenset[int], top: bool) -> Q:
    op, value = node["op"], node["value"]
    if node["metric"] == "frequency":
        return _value_q("order_count", "number", op, value, ctx.now)
    if node["metric"] == "monetary":
        return _value_q("total_revenue", "number", op, Decimal(str(value)), ctx.now)
    # recency: whole days since the last order; contacts who never ordered have none.
    days = int(value)
    boundary = ctx.now - timedelta(days=days)
    ordered = Q(last_order_at__isnull=False)
    mapping = {
        "lt": Q(last_order_at__gt=boundary),
        "lte": Q(last_order_at__gt=boundary - timedelta(days=1)),
        "gt": Q(last_order_at__lte=boundary - timedelta(days=1)),
        "gte": Q(last_order_at__lte=boundary),
        "eq": Q(last_order_at__lte=boundary, last_order_at__gt=boundary - timedelta(days=1)),
        "neq": ~Q(last_order_at__lte=boundary, last_order_at__gt=boundary - timedelta(days=1)),
    }
    return ordered & mapping[op]


LEAF_COMPILERS: dict[str, Callable[[dict[str, Any], Context, frozenset[int], bool], Q]] = {
    "attribute": _compile_attribute,
    "event": _compile_event,
    "stage": _compile_stage,
    "consent": _compile_consent,
    "tag": _compile_tag,
    "segment": _compile_segment,
    "rfm": _compile_rfm,
}
