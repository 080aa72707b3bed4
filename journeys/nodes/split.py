from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import Category, NodeType, Output

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
