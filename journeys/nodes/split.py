from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import Advance, Category, NodeType, Outcome, Output

if TYPE_CHECKING:
    from journeys.executor import StepBatch

_KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")


class BranchSerializer(serializers.Serializer[Any]):
    key = serializers.RegexField(_KEY.pattern, max_length=30, label=_("Key"), help_text=_("e.g. a, b, control"))
    label = serializers.CharField(max_length=60, label=_("Name"))  # type: ignore[assignment]
    percent = serializers.IntegerField(min_value=1, max_value=99, label=_("Percent"))


class SplitConfig(serializers.Serializer[Any]):
    branches = BranchSerializer(  # type: ignore[call-arg]
        many=True,
        min_length=2,
        max_length=5,
        label=_("Branches"),
        help_text=_("Each contact always goes the same way; the shares add up to 100 %."),
    )

    def validate_branches(self, branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = [b["key"] for b in branches]
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError(_("Each branch needs its own key."))
        if sum(b["percent"] for b in branches) != 100:
            raise serializers.ValidationError(
                _("The percentages add up to %(total)s; they must add up to 100.")
                % {"total": sum(b["percent"] for b in branches)}
            )
        return branches


class Split(NodeType):
    kind = "split"
    label = _("Split")
    description = _("Divides contacts at random into 2–5 branches (A/B tests, holdout groups).")
    category = Category.FLOW
    icon = "git-branch"
    Config = SplitConfig

    @classmethod
    def outputs_for(cls, config: Mapping[str, Any]) -> tuple[Output, ...]:
        return tuple(Output(b["key"], f"{b['label']} ({b['percent']} %)") for b in config.get("branches", []))

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """Sticky: a contact's branch depends only on (contact, journey, step), so they go the same
        way every time they pass, in every version, and shares match the percentages."""
        branches = batch.config.get("branches") or []
        return [Advance(branch_of(branches, w.contact_id, batch.journey.pk, batch.node_id)) for w in batch.enrollments]


def bucket_of(contact_id: int, journey_id: int, node_id: str) -> int:
    """0–99, uniformly spread and the same for the same (contact, journey, step)."""
    digest = hashlib.blake2b(f"{journey_id}:{node_id}:{contact_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100


def branch_of(branches: Sequence[Mapping[str, Any]], contact_id: int, journey_id: int, node_id: str) -> str:
    bucket, upper = bucket_of(contact_id, journey_id, node_id), 0
    for branch in branches:
        upper += int(branch["percent"])
        if bucket < upper:
            return str(branch["key"])
    return str(branches[-1]["key"]) if branches else "next"
