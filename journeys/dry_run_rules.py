"""What a dry run knows that the database does not: a condition's rule rewritten to see it.

A journey dry run (``journeys/dry_run.py``) stores nothing, yet later conditions must see what
happened earlier in it: the trigger event (given in the request, or made up), an event a wait
was assumed to receive, and the changes of ``update_contact`` steps (made to a copy of the
contact). Rather than a second rule evaluator, the rule is rewritten so that the one compiled
SQL rule (``condition.contacts_matching``) gives the answer it would give if those were stored:

- an event leaf counts the simulated events that match it: "at least 1" becomes always true,
  "at least n" becomes "at least n − 1" in the database, "at most n" and "exactly n" likewise;
- a leaf about something the copy changed (an attribute, a tag, the stage) becomes a constant
  (``{"all": []}`` true, ``{"any": []}`` false), decided on the copy;
- a dynamic segment whose rule holds such a leaf is expanded in place, as compiling it would.

Everything else is left to the database, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from contacts.rules import CONTACT_FIELDS
from journeys.matching import as_date_or_moment, filter_matches, filters_match, property_value

TRUE: dict[str, Any] = {"all": []}
FALSE: dict[str, Any] = {"any": []}


@dataclass(frozen=True)
class SimulatedEvent:
    name: str
    properties: Mapping[str, Any]
    at: datetime


@dataclass
class Overlay:
    """What the dry run did that the database does not hold."""

    events: list[SimulatedEvent] = field(default_factory=list)
    attributes: Mapping[str, Any] = field(default_factory=dict)  # the copy's attributes
    changed_attributes: set[str] = field(default_factory=set)  # top-level keys an update touched
    tags: set[str] = field(default_factory=set)  # the copy's tags, once an update touched any
    changed_tags: set[str] = field(default_factory=set)
    stage_key: str | None = None
    stage_changed: bool = False

    @property
    def empty(self) -> bool:
        return not (self.events or self.changed_attributes or self.changed_tags or self.stage_changed)


def rule_overlaid(
    rule: Any, overlay: Overlay, *, now: datetime, segments: Mapping[int, tuple[str, Any]] | None = None
) -> Any:
    """``rule`` rewritten to count ``overlay`` (see the module docstring); ``rule`` itself when
    the overlay changes nothing in it. ``segments`` are the active segments (id → kind, rule)."""
    if overlay.empty:
        return rule
    return _rewrite(rule, overlay, now, segments or {}, frozenset())


def _rewrite(
    node: Any, overlay: Overlay, now: datetime, segments: Mapping[int, tuple[str, Any]], seen: frozenset[int]
) -> Any:
    if not isinstance(node, dict):
        return node
    for group in ("all", "any"):
        if group in node:
            return {group: [_rewrite(child, overlay, now, segments, seen) for child in node[group]]}
    if "not" in node:
        return {"not": _rewrite(node["not"], overlay, now, segments, seen)}
    kind = node.get("type")
    if kind == "event":
        return _event(node, overlay, now)
    if kind == "attribute" and _changed_attribute(node["field"], overlay):
        return TRUE if _attribute_holds(node, overlay.attributes, now) else FALSE
    if kind == "tag" and node["value"].strip() in overlay.changed_tags:
        return TRUE if (node["value"].strip() in overlay.tags) == (node["op"] == "has") else FALSE
    if kind == "stage" and overlay.stage_changed:
        inside = overlay.stage_key is not None and overlay.stage_key in node["value"]
        return TRUE if inside == (node["op"] == "in") else FALSE
    if kind == "segment":
        segment_kind, segment_rule = segments.get(node["value"], ("static", None))
        if segment_kind == "dynamic" and segment_rule is not None and node["value"] not in seen:
            expanded = _rewrite(segment_rule, overlay, now, segments, seen | {node["value"]})
            if expanded != segment_rule:
                return expanded if node["op"] == "in" else {"not": expanded}
    return node


def _event(node: dict[str, Any], overlay: Overlay, now: datetime) -> dict[str, Any]:
    extra = sum(1 for event in overlay.events if _counts(node, event, now))
    if not extra:
        return node
    count = node.get("count", {"op": "gte", "value": 1})
    op, wanted = count["op"], int(count["value"]) - extra
    if op == "gte" and wanted <= 0:
        return TRUE
    if op in ("lte", "eq") and wanted < 0:
        return FALSE
    return {**node, "count": {"op": op, "value": wanted}}


def _counts(node: Mapping[str, Any], event: SimulatedEvent, now: datetime) -> bool:
    if event.name != node["name"] or event.at > now:
        return False
    if "within_days" in node and event.at < now - timedelta(days=node["within_days"]):
        return False
    return filters_match(node.get("where"), event.properties)


def _changed_attribute(name: str, overlay: Overlay) -> bool:
    changed = overlay.changed_attributes
    return name not in CONTACT_FIELDS and (name in changed or name.split(".")[0] in changed)


def _attribute_holds(node: Mapping[str, Any], attributes: Mapping[str, Any], now: datetime) -> bool:
    """An attribute leaf decided on the copy's attributes, with the operators of event filters;
    dates (``before``, ``after``, ``within_last``, ``not_within_last``) as moments."""
    op, expected = node["op"], node.get("value", 0)
    if op not in ("before", "after", "within_last", "not_within_last"):
        return filter_matches({"property": node["field"], "op": op, "value": expected}, attributes)
    moment = _moment(property_value(attributes, node["field"]))  # absent: not a moment, None
    if op in ("within_last", "not_within_last"):
        inside = moment is not None and now - timedelta(days=int(expected)) <= moment <= now
        return inside if op == "within_last" else not inside
    boundary = _moment(expected)
    if moment is None or boundary is None:
        return False
    return moment < boundary if op == "before" else moment > boundary


def _moment(value: Any) -> datetime | None:
    parsed = as_date_or_moment(value)
    if isinstance(parsed, datetime):
        return parsed
    if isinstance(parsed, date):
        return datetime.combine(parsed, time.min, tzinfo=timezone.get_current_timezone())
    return None


def synthetic_properties(where: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    """Event properties that pass ``where`` where one value is enough to say (``eq``, ``in``,
    comparisons, ``contains``, ``starts_with``, ``exists``); others are left out."""
    properties: dict[str, Any] = {}
    for condition in where or ():
        op, value, path = condition.get("op", "eq"), condition.get("value"), condition["property"]
        if op in ("eq", "gte", "lte", "contains", "starts_with"):
            made = value
        elif op == "in" and isinstance(value, list) and value:
            made = value[0]
        elif op in ("gt", "lt") and isinstance(value, int | float) and not isinstance(value, bool):
            made = value + 1 if op == "gt" else value - 1
        elif op == "exists":
            made = "example"
        else:
            continue
        target = properties
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = made
    return properties
