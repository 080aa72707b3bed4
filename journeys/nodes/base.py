"""What every node type declares, and the config fields node schemas are built from.

A node type is a class with palette metadata (``kind``, ``label``, ``description``,
``category``, ``icon``), its named outputs, and a ``Config`` serializer that validates the
node's ``config`` and is described to the canvas (``describe``) so the inspector renders its
form from it, and ``execute``, which the executor (``journeys/executor.py``) calls with a
``StepBatch``: every enrollment of one version at one node that is due. It returns one outcome
per enrollment, in order: ``Advance`` (leave by an output, perhaps recording why the action was
skipped), ``Stay`` (come back at a time, or when woken) or ``Fail``. It runs inside the batch's
transaction: whatever it writes commits with the step, or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from rest_framework import serializers

if TYPE_CHECKING:
    from journeys.executor import StepBatch


class NodeError(Exception):
    """A node could not do its work for an enrollment. ``permanent``: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Output:
    key: str
    label: StrOrPromise


NEXT = Output("next", _("Next"))


@dataclass(frozen=True)
class Reference:
    """A config value that names a row elsewhere: checked to exist (and be active) on validation."""

    field: str
    to: str  # "segment", "audience", "stage", "template"
    value: Any


@dataclass(frozen=True, slots=True)
class Advance:
    """Leave the node by ``output``; ``skipped`` says why its action was not done (recorded)."""

    output: str = "next"
    skipped: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stay:
    """Stay at the node until ``until`` (run it again then), or until woken when ``None``."""

    until: datetime | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Fail:
    """The node cannot do its work for this enrollment; it ends as failed (recorded)."""

    reason: str


Outcome = Advance | Stay | Fail


class Category:
    TRIGGERS = "triggers"
    FLOW = "flow"
    ACTIONS = "actions"
    END = "end"

    LABELS: ClassVar[dict[str, StrOrPromise]] = {
        TRIGGERS: _("Triggers"),
        FLOW: _("Flow"),
        ACTIONS: _("Actions"),
        END: _("End"),
    }


class NodeType:
    """Base of every node type; subclasses fill in the class attributes (a system check makes sure)."""

    kind: ClassVar[str]
    label: ClassVar[StrOrPromise]
    description: ClassVar[StrOrPromise]
    category: ClassVar[str]
    icon: ClassVar[str]
    Config: ClassVar[type[serializers.Serializer[Any]]]
    outputs: ClassVar[tuple[Output, ...]] = (NEXT,)
    is_trigger: ClassVar[bool] = False
    # A wait (or anything that only continues later) breaks a loop; a loop without one would spin.
    pauses: ClassVar[bool] = False

    @classmethod
    def pauses_for(cls, config: Mapping[str, Any]) -> bool:
        """Whether a node with this config makes contacts wait (``pauses`` unless a type decides
        by its config: a wait of 0 does not)."""
        return cls.pauses

    @classmethod
    def outputs_for(cls, config: Mapping[str, Any]) -> tuple[Output, ...]:
        """The outputs a node with this (valid) config has; fixed unless a type derives them."""
        return cls.outputs

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """One outcome per enrollment of ``batch``, in order. Passing straight on by default."""
        return [Advance(cls.outputs[0].key if cls.outputs else "")] * len(batch.enrollments)

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        """Rows the (valid) config names, for existence checks; none by default."""
        return []

    @classmethod
    def warnings(cls, config: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(field, message) pairs worth a look that do not block publishing."""
        return []


# --- config fields the canvas understands -------------------------------------------------------


class ReferenceField(serializers.IntegerField):
    """The id of a segment, audience or email template; described as a picker to the canvas."""

    def __init__(self, *, to: str, **kwargs: Any) -> None:
        self.to = to
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class StageField(serializers.SlugField):
    """A lifecycle stage key; described as a stage picker."""

    to = "stage"


class EventNameField(serializers.CharField):
    """An event name; the canvas offers known event names."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)


class AttributeNameField(serializers.RegexField):
    """A contact field or attribute path such as ``trial_ends_at`` or ``company.size``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(r"^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$", max_length=200, **kwargs)


class RuleField(serializers.JSONField):
    """A rule in the segment rule language (docs/segments.md), checked against this workspace."""

    def to_internal_value(self, data: Any) -> Any:
        from django.core.exceptions import ValidationError as DjangoValidationError

        from contacts.services.segments import rule_validate

        value = super().to_internal_value(data)
        try:
            rule_validate(value, field="rule")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                [
                    f"{path.removeprefix('rule').lstrip('.') or 'rule'}: {' '.join(msgs)}"
                    for path, msgs in exc.message_dict.items()
                ]
            ) from None
        return value


class PropertyFilterSerializer(serializers.Serializer[Any]):
    """``{"property": "budget", "op": "lt", "value": 5000}`` — the event property filters of rules."""

    property = AttributeNameField(help_text=_("Event property, e.g. budget."))
    op = serializers.ChoiceField(
        choices=["eq", "neq", "gt", "gte", "lt", "lte", "contains", "starts_with", "in", "exists", "not_exists"],
        default="eq",
    )
    value = serializers.JSONField(required=False, allow_null=True)


TIME_UNITS = [
    ("seconds", _("seconds")),
    ("minutes", _("minutes")),
    ("hours", _("hours")),
    ("days", _("days")),
    ("weeks", _("weeks")),
]
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def json_ready(value: Any) -> Any:
    """Validated data as JSON values: times as ``HH:MM``, sets as sorted lists."""
    if isinstance(value, Mapping):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(json_ready(v) for v in value)
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return value


def show_if(field: str, *values: Any) -> dict[str, Any]:
    """``style`` that tells the canvas to show a field only when another field has one of ``values``."""
    return {"show_if": {"field": field, "in": list(values)}}


# --- describing a Config serializer for the canvas --------------------------------------------


def describe(serializer: serializers.Serializer[Any]) -> list[dict[str, Any]]:
    """The fields of a config serializer as data the canvas renders an inspector form from."""
    return [_describe_field(name, field) for name, field in serializer.fields.items()]


def _describe_field(name: str, field: serializers.Field[Any, Any, Any, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "label": str(field.label or name.replace("_", " ").capitalize()),
        "help": str(field.help_text or ""),
        "required": bool(field.required),
    }
    if field.default is not serializers.empty:
        spec["default"] = field.default() if callable(field.default) else field.default
    spec.update({k: v for k, v in (field.style or {}).items() if k in ("show_if", "widget", "placeholder")})
    spec.update(_field_type(field))
    return spec


def _field_type(field: Any) -> dict[str, Any]:
    if isinstance(field, ReferenceField | StageField):
        return {"type": "reference", "to": field.to}
    if isinstance(field, RuleField):
        return {"type": "rule"}
    if isinstance(field, EventNameField):
        return {"type": "event_name"}
    if isinstance(field, AttributeNameField):
        return {"type": "attribute_name"}
    if isinstance(field, serializers.ListSerializer):
        child: Any = field.child
        return {"type": "list", "item": {"type": "object", "fields": describe(child)}, **_lengths(field)}
    if isinstance(field, serializers.Serializer):
        return {"type": "object", "fields": describe(field)}
    if isinstance(field, serializers.MultipleChoiceField):
        return {"type": "multichoice", "choices": [{"value": k, "label": str(v)} for k, v in field.choices.items()]}
    if isinstance(field, serializers.ChoiceField):
        return {"type": "choice", "choices": [{"value": k, "label": str(v)} for k, v in field.choices.items()]}
    if isinstance(field, serializers.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, serializers.IntegerField):
        return {"type": "integer", **_bounds(field)}
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return {"type": "number", **_bounds(field)}
    if isinstance(field, serializers.EmailField):
        return {"type": "email"}
    if isinstance(field, serializers.URLField):
        return {"type": "url"}
    if isinstance(field, serializers.TimeField):
        return {"type": "time"}
    if isinstance(field, serializers.ListField):
        return {"type": "list", "item": _field_type(field.child), **_lengths(field)}
    if isinstance(field, serializers.DictField):
        return {"type": "mapping", "value": _field_type(field.child)}
    if isinstance(field, serializers.JSONField):
        return {"type": "json"}
    if isinstance(field, serializers.CharField):
        return {"type": "textarea" if (field.style or {}).get("widget") == "textarea" else "text", **_lengths(field)}
    return {"type": "json"}


def _bounds(field: Any) -> dict[str, Any]:
    return {k: v for k, v in (("min", field.min_value), ("max", field.max_value)) if v is not None}


def _lengths(field: Any) -> dict[str, Any]:
    if isinstance(field, serializers.CharField):
        return {"max_length": field.max_length} if field.max_length is not None else {}
    pairs = (("min_items", getattr(field, "min_length", None)), ("max_items", getattr(field, "max_length", None)))
    return {k: v for k, v in pairs if v is not None}
