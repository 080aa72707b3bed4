from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import Category, NodeType, Reference, ReferenceField


class AudienceConfig(serializers.Serializer[Any]):
    audience = ReferenceField(to="audience", label=_("Audience"))


class AddToAudience(NodeType):
    kind = "add_to_audience"
    label = _("Add to audience")
    description = _("Adds the contact to a retargeting audience (Meta, a webhook or a list).")
    category = Category.ACTIONS
    icon = "user-plus"
    Config = AudienceConfig

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        return [Reference("audience", "audience", config["audience"])] if config.get("audience") else []
