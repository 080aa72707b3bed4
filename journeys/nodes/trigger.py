from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import (
    AttributeNameField,
    Category,
    EventNameField,
    NodeType,
    PropertyFilterSerializer,
    Reference,
    ReferenceField,
    StageField,
    show_if,
)

KINDS = [
    ("event", _("An event happens")),
    ("segment_entered", _("A contact enters a segment")),
    ("segment_exited", _("A contact leaves a segment")),
    ("stage_changed", _("A contact reaches a lifecycle stage")),
    ("date", _("A date of the contact comes near")),
    ("manual", _("Added by hand or through the API")),
]


class TriggerConfig(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=KINDS, default="event", label=_("Starts when"))
    event = EventNameField(
        required=False, label=_("Event"), help_text=_("e.g. signed_up"), style=show_if("kind", "event")
    )
    where = PropertyFilterSerializer(
        many=True,
        required=False,
        label=_("Only if"),
        help_text=_("Conditions on the event's properties."),
        style=show_if("kind", "event"),
    )
    segment = ReferenceField(
        to="segment", required=False, label=_("Segment"), style=show_if("kind", "segment_entered", "segment_exited")
    )
    stage = StageField(required=False, label=_("Stage"), style=show_if("kind", "stage_changed"))
    date_attribute = AttributeNameField(
        required=False,
        label=_("Date attribute"),
        help_text=_("e.g. trial_ends_at or birthday"),
        style=show_if("kind", "date"),
    )
    offset_days = serializers.IntegerField(
        required=False,
        default=0,
        min_value=-365,
        max_value=365,
        label=_("Days from the date"),
        help_text=_("Negative: before the date (−3 = three days before)."),
        style=show_if("kind", "date"),
    )
    repeat = serializers.ChoiceField(
        choices=[("once", _("Once")), ("yearly", _("Every year"))],
        default="once",
        label=_("Repeat"),
        style=show_if("kind", "date"),
    )
    time_of_day = serializers.TimeField(
        required=False,
        default=time(9, 0),
        format="%H:%M",
        label=_("At"),
        help_text=_("In the contact's time zone."),
        style=show_if("kind", "date"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needs = {
            "event": "event",
            "segment_entered": "segment",
            "segment_exited": "segment",
            "stage_changed": "stage",
            "date": "date_attribute",
        }
        field = needs.get(attrs.get("kind", "event"))
        if field and not attrs.get(field):
            raise serializers.ValidationError({field: [_("This field is required for this kind of trigger.")]})
        return attrs


class Trigger(NodeType):
    kind = "trigger"
    label = _("Trigger")
    description = _("Starts the journey for a contact: an event, a segment, a stage, a date, or by hand.")
    category = Category.TRIGGERS
    icon = "zap"
    Config = TriggerConfig
    is_trigger = True

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        if config.get("kind") in ("segment_entered", "segment_exited") and config.get("segment"):
            return [Reference("segment", "segment", config["segment"])]
        if config.get("kind") == "stage_changed" and config.get("stage"):
            return [Reference("stage", "stage", config["stage"])]
        return []
