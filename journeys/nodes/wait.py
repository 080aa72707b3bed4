from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.matching import (
    add_local_days,
    as_date_or_moment,
    clock_time,
    contact_date_value,
    filters_match,
    local_moment,
    next_local_time,
    zone_of,
)
from journeys.nodes.base import (
    NEXT,
    TIME_UNITS,
    UNIT_SECONDS,
    WEEKDAYS,
    Advance,
    AttributeNameField,
    Category,
    EventNameField,
    NodeType,
    Outcome,
    Output,
    PropertyFilterSerializer,
    Stay,
    show_if,
)

if TYPE_CHECKING:
    from journeys.executor import StepBatch

MODES = [
    ("duration", _("For a while")),
    ("until_time", _("Until a time of day")),
    ("until_date", _("Until a date of the contact")),
    ("event", _("Until an event, or a time limit")),
]
EVENT = Output("event", _("Event happened"))
TIMEOUT = Output("timeout", _("Time ran out"))
MAX_WAIT_SECONDS = 366 * 86400


class WaitConfig(serializers.Serializer[Any]):
    mode = serializers.ChoiceField(choices=MODES, default="duration", label=_("Wait"))
    amount = serializers.IntegerField(min_value=0, default=1, label=_("How long"), style=show_if("mode", "duration"))
    unit = serializers.ChoiceField(
        choices=TIME_UNITS, default="days", label=_("Unit"), style=show_if("mode", "duration")
    )
    time = serializers.TimeField(
        required=False,
        default=time(9, 0),
        format="%H:%M",
        label=_("Time of day"),
        help_text=_("In the contact's time zone."),
        style=show_if("mode", "until_time"),
    )
    weekdays = serializers.MultipleChoiceField(
        choices=WEEKDAYS,
        required=False,
        label=_("On these days"),
        help_text=_("None chosen: any day."),
        style=show_if("mode", "until_time"),
    )
    date_attribute = AttributeNameField(required=False, label=_("Date attribute"), style=show_if("mode", "until_date"))
    offset_days = serializers.IntegerField(
        required=False,
        default=0,
        min_value=-365,
        max_value=365,
        label=_("Days from the date"),
        style=show_if("mode", "until_date"),
    )
    event = EventNameField(required=False, label=_("Event"), style=show_if("mode", "event"))
    where = PropertyFilterSerializer(many=True, required=False, label=_("Only if"), style=show_if("mode", "event"))
    timeout_amount = serializers.IntegerField(
        min_value=1, default=1, label=_("Give up after"), style=show_if("mode", "event")
    )
    timeout_unit = serializers.ChoiceField(
        choices=TIME_UNITS, default="hours", label=_("Unit"), style=show_if("mode", "event")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        mode = attrs.get("mode", "duration")
        if mode == "duration" and attrs.get("amount", 1) * UNIT_SECONDS[attrs.get("unit", "days")] > MAX_WAIT_SECONDS:
            raise serializers.ValidationError({"amount": [_("Waits are at most a year.")]})
        if mode == "until_date" and not attrs.get("date_attribute"):
            raise serializers.ValidationError({"date_attribute": [_("Name the date attribute to wait for.")]})
        if mode == "event":
            if not attrs.get("event"):
                raise serializers.ValidationError({"event": [_("Name the event to wait for.")]})
            if attrs.get("timeout_amount", 1) * UNIT_SECONDS[attrs.get("timeout_unit", "hours")] > MAX_WAIT_SECONDS:
                raise serializers.ValidationError({"timeout_amount": [_("Waits are at most a year.")]})
        if "weekdays" in attrs:
            attrs["weekdays"] = sorted(int(day) for day in attrs["weekdays"])
        return attrs


class Wait(NodeType):
    kind = "wait"
    label = _("Wait")
    description = _("Pauses: for a while, until a time or date, or until the contact does something.")
    category = Category.FLOW
    icon = "hourglass"
    Config = WaitConfig
    pauses = True

    @classmethod
    def pauses_for(cls, config: Mapping[str, Any]) -> bool:
        return not (config.get("mode", "duration") == "duration" and config.get("amount", 1) == 0)

    @classmethod
    def outputs_for(cls, config: Mapping[str, Any]) -> tuple[Output, ...]:
        return (EVENT, TIMEOUT) if config.get("mode") == "event" else (NEXT,)

    @classmethod
    def warnings(cls, config: Mapping[str, Any]) -> list[tuple[str, str]]:
        if config.get("mode", "duration") == "duration" and config.get("amount", 1) == 0:
            return [("amount", str(_("A wait of 0 continues at once.")))]
        return []

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """Continue once the wait is over, counted from when the contact reached the step (so a
        retried step waits no longer); days and weeks are calendar days in the contact's time
        zone, so "2 days" after 09:00 is 09:00 across a DST change."""
        config = batch.config
        mode = config.get("mode", "duration")
        if mode == "event":
            return _event_outcomes(batch)
        if (wait := fixed_wait(config)) is not None:
            return [_until(batch.now, w.node_entered_at + wait) for w in batch.enrollments]
        contacts = batch.contact_of()
        outcomes: list[Outcome] = []
        for walker in batch.enrollments:
            contact = contacts.get(walker.contact_id)
            if contact is None:
                outcomes.append(Advance("next", skipped=str(_("The contact no longer exists."))))
                continue
            due = wait_due(config, entered_at=walker.node_entered_at, contact=contact)
            if due is None:
                name = config.get("date_attribute", "")
                reason = _("The contact has no date in %(name)s; not waiting.") % {"name": name}
                outcomes.append(Advance("next", skipped=str(reason)))
            else:
                outcomes.append(_until(batch.now, due))
        return outcomes


def _until(now: datetime, due: datetime) -> Outcome:
    return Advance("next") if due <= now else Stay(due)


def fixed_wait(config: Mapping[str, Any]) -> timedelta | None:
    """How long a wait lasts when that does not depend on the contact (seconds, minutes and hours,
    or 0 of anything); ``None`` for calendar days and weeks, times, dates and events."""
    if config.get("mode", "duration") != "duration":
        return None
    if config.get("unit") in ("seconds", "minutes", "hours") or not config.get("amount"):
        return timedelta(seconds=int(config.get("amount", 1)) * UNIT_SECONDS[config.get("unit", "days")])
    return None


def wait_due(config: Mapping[str, Any], *, entered_at: datetime, contact: Any) -> datetime | None:
    """When a wait (not for an event) that the contact reached at ``entered_at`` is over; ``None``
    when it waits for a date the contact does not have. Reads nothing: the step and a journey dry
    run decide with it."""
    wait = fixed_wait(config)
    if wait is not None:
        return entered_at + wait
    zone = zone_of(contact)
    mode = config.get("mode", "duration")
    at = clock_time(config.get("time"))
    if mode == "duration":
        days = int(config.get("amount", 1)) * (7 if config.get("unit") == "weeks" else 1)
        return add_local_days(entered_at, days, zone)
    if mode == "until_time":
        return next_local_time(entered_at, at, zone, config.get("weekdays") or None)
    value = as_date_or_moment(contact_date_value(contact, config.get("date_attribute", "")))
    if value is None:
        return None
    offset = int(config.get("offset_days") or 0)
    if isinstance(value, datetime):
        return add_local_days(value, offset, zone)
    return local_moment(value + timedelta(days=offset), at, zone)


def event_timeout(config: Mapping[str, Any]) -> timedelta:
    """How long a wait for an event waits before it gives up (leaving by ``timeout``)."""
    return timedelta(seconds=int(config.get("timeout_amount", 1)) * UNIT_SECONDS[config.get("timeout_unit", "hours")])


def _event_outcomes(batch: StepBatch) -> list[Outcome]:
    """``event`` when a matching event came after the contact reached the step, else ``timeout``
    once the time is up; until then the enrollment stays (an arriving event wakes it at once)."""
    from contacts.models import Event

    config = batch.config
    name = config.get("event", "")
    where = config.get("where") or []
    timeout = event_timeout(config)
    earliest = min(w.node_entered_at for w in batch.enrollments)
    found: dict[int, list[tuple[datetime, int, dict[str, Any]]]] = {}
    rows = Event.objects.filter(
        contact_id__in={w.contact_id for w in batch.enrollments}, name=name, received_at__gte=earliest
    ).values_list("contact_id", "received_at", "pk", "properties")
    for contact_id, received_at, pk, properties in rows:
        found.setdefault(contact_id, []).append((received_at, pk, properties))
    outcomes: list[Outcome] = []
    for walker in batch.enrollments:
        match = next(
            (
                pk
                for received_at, pk, properties in sorted(found.get(walker.contact_id, []))
                if received_at >= walker.node_entered_at and filters_match(where, properties)
            ),
            None,
        )
        if match is not None:
            outcomes.append(Advance("event", detail={"event": match}))
        elif walker.node_entered_at + timeout <= batch.now:
            outcomes.append(Advance("timeout"))
        else:
            outcomes.append(Stay(walker.node_entered_at + timeout))
    return outcomes
