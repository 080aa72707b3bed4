"""Journey settings: who may enter and how often, when they leave, the goal, when mail goes out.

Stored as JSON on the journey (and copied into each published version), validated by
``JourneySettingsSerializer``; its description is served to the canvas's settings drawer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import (
    WEEKDAYS,
    EventNameField,
    PropertyFilterSerializer,
    Reference,
    ReferenceField,
    StageField,
    json_ready,
    show_if,
)


class EntrySerializer(serializers.Serializer[Any]):
    reentry = serializers.ChoiceField(
        choices=[
            ("never", _("Never: once per contact")),
            ("after_finish", _("Again after finishing")),
            ("after_days", _("Again after some days")),
            ("concurrent", _("Any time, also while still in it")),
        ],
        default="never",
        label=_("May a contact enter again?"),
    )
    days = serializers.IntegerField(
        min_value=1, max_value=3650, default=30, label=_("Days between entries"), style=show_if("reentry", "after_days")
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=100,
        default=3,
        label=_("At most at the same time"),
        style=show_if("reentry", "concurrent"),
    )


class ExitRuleSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=[
            ("event", _("An event happens")),
            ("segment_entered", _("Enters a segment")),
            ("segment_exited", _("Leaves a segment")),
        ],
        label=_("Leave the journey when"),
    )
    event = EventNameField(required=False, label=_("Event"), style=show_if("kind", "event"))
    where = PropertyFilterSerializer(many=True, required=False, label=_("Only if"), style=show_if("kind", "event"))
    segment = ReferenceField(
        to="segment", required=False, label=_("Segment"), style=show_if("kind", "segment_entered", "segment_exited")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needed = "event" if attrs["kind"] == "event" else "segment"
        if not attrs.get(needed):
            raise serializers.ValidationError({needed: [_("This field is required for this kind of rule.")]})
        return attrs


class GoalSerializer(serializers.Serializer[Any]):
    event = EventNameField(label=_("Conversion event"), help_text=_("e.g. order_completed"))
    where = PropertyFilterSerializer(many=True, required=False, label=_("Only if"))
    within_days = serializers.IntegerField(min_value=1, max_value=365, default=30, label=_("Within days of entering"))


class SendWindowSerializer(serializers.Serializer[Any]):
    weekdays = serializers.MultipleChoiceField(choices=WEEKDAYS, label=_("Days"))
    start = serializers.TimeField(format="%H:%M", label=_("From"))
    end = serializers.TimeField(format="%H:%M", label=_("Until"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["weekdays"]:
            raise serializers.ValidationError({"weekdays": [_("Choose at least one day.")]})
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": [_("The window must end after it starts.")]})
        attrs["weekdays"] = sorted(int(day) for day in attrs["weekdays"])
        return attrs


class JourneySettingsSerializer(serializers.Serializer[Any]):
    entry = EntrySerializer(required=False, label=_("Entry"))
    exit_rules = ExitRuleSerializer(many=True, required=False, max_length=10, label=_("Leave early when"))  # type: ignore[call-arg]
    goal = GoalSerializer(required=False, allow_null=True, label=_("Goal"))
    send_window = SendWindowSerializer(
        required=False,
        allow_null=True,
        label=_("Send emails only"),
        help_text=_("In each contact's time zone (the workspace's when unknown). Outside it, emails wait."),
    )
    priority = serializers.IntegerField(
        min_value=1,
        max_value=10,
        default=5,
        label=_("Priority"),
        help_text=_("When a contact may get only a few emails, higher priority journeys go first."),
    )
    stages = serializers.ListField(child=StageField(), required=False, default=list, label=_("Lifecycle stages served"))


def settings_clean(raw: Any) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Validated settings with defaults, or (None, errors by dotted path)."""
    from flowbuilder.core.api import flatten_errors

    serializer = JourneySettingsSerializer(data=raw if raw is not None else {})
    if serializer.is_valid():
        data = dict(serializer.validated_data)
        data.setdefault("entry", dict(EntrySerializer(data={}).run_validation({})))
        return json_ready(data), {}
    return None, flatten_errors(serializer.errors)


def settings_references(settings: Mapping[str, Any]) -> list[Reference]:
    refs = [
        Reference(f"exit_rules.{i}.segment", "segment", r["segment"])
        for i, r in enumerate(settings.get("exit_rules", []))
        if r.get("segment")
    ]
    refs += [Reference(f"stages.{i}", "stage", key) for i, key in enumerate(settings.get("stages", []))]
    return refs
