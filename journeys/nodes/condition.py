from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contacts.rules import referenced_segments
from journeys.nodes.base import Category, NodeType, Output, Reference, RuleField

YES = Output("yes", _("Yes"))
NO = Output("no", _("No"))


class ConditionConfig(serializers.Serializer[Any]):
    rule = RuleField(
        label=_("Contacts who match"),
        help_text=_("The same conditions as segments, checked when the contact gets here."),
        initial={"all": []},
    )


class Condition(NodeType):
    kind = "condition"
    label = _("Condition")
    description = _("Sends contacts down “yes” or “no” depending on who they are and what they did.")
    category = Category.FLOW
    icon = "split"
    Config = ConditionConfig
    outputs = (YES, NO)

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        return [Reference("rule", "segment", pk) for pk in sorted(referenced_segments(config.get("rule")))]
