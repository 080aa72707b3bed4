from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import (
    NEXT,
    TIME_UNITS,
    UNIT_SECONDS,
    WEEKDAYS,
    AttributeNameField,
    Category,
    EventNameField,
    NodeType,
    Output,
    PropertyFilterSerializer,
    show_if,
)

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
    def outputs_for(cls, config: Mapping[str, Any]) -> tuple[Output, ...]:
        return (EVENT, TIMEOUT) if config.get("mode") == "event" else (NEXT,)

    @classmethod
    def warnings(cls, config: Mapping[str, Any]) -> list[tuple[str, str]]:
        if config.get("mode", "duration") == "duration" and config.get("amount", 1) == 0:
            return [("amount", str(_("A wait of 0 continues at once.")))]
        return []
