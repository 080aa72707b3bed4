from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contacts.models import Contact
from contacts.rules import compile_rule, referenced_segments
from journeys.nodes.base import Advance, Category, NodeType, Outcome, Output, Reference, RuleField

if TYPE_CHECKING:
    from journeys.executor import StepBatch

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

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """One query for the whole batch: which of its contacts match the rule now."""
        rule = batch.config.get("rule") or {"all": []}
        matching = contacts_matching(rule, {w.contact_id for w in batch.enrollments}, now=batch.now)
        return [Advance("yes" if w.contact_id in matching else "no") for w in batch.enrollments]


def contacts_matching(rule: Mapping[str, Any], contact_ids: Iterable[int], *, now: datetime) -> set[int]:
    """Which of ``contact_ids`` match ``rule`` at ``now``: one query, the compiled rule narrowed
    to those contacts. Reads only; what the step and a journey dry run decide with."""
    from contacts.services.segments import rule_context

    ids = tuple(sorted(set(contact_ids)))
    context = dataclasses.replace(rule_context(now=now), contact_ids=ids)
    return set(Contact.objects.filter(pk__in=ids).filter(compile_rule(rule, context)).values_list("pk", flat=True))
