from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import AttributeNameField, Category, NodeType, Reference, StageField


class UpdateContactConfig(serializers.Serializer[Any]):
    set_attributes = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        label=_("Set attributes"),
        help_text=_("Attribute names and values, e.g. onboarded: true."),
    )
    remove_attributes = serializers.ListField(
        child=AttributeNameField(), required=False, default=list, label=_("Remove attributes")
    )
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, label=_("Add tags")
    )
    remove_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, label=_("Remove tags")
    )
    stage = StageField(required=False, allow_blank=True, label=_("Move to stage"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(k) for k in ("set_attributes", "remove_attributes", "add_tags", "remove_tags", "stage")):
            raise serializers.ValidationError(_("Choose at least one change."))
        return attrs


class UpdateContact(NodeType):
    kind = "update_contact"
    label = _("Update contact")
    description = _("Sets attributes or tags, or moves the contact to another lifecycle stage.")
    category = Category.ACTIONS
    icon = "user-pen"
    Config = UpdateContactConfig

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        return [Reference("stage", "stage", config["stage"])] if config.get("stage") else []
