from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import Advance, AttributeNameField, Category, NodeType, Outcome, Reference, StageField

if TYPE_CHECKING:
    from journeys.executor import StepBatch


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

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """Through the contacts services, so segments re-evaluate and stage changes are recorded
        and announced (a stage trigger of another journey may start)."""
        from django.core.exceptions import ValidationError

        from contacts.models import StageChange
        from contacts.services.contacts import contact_update

        data = contact_changes(batch.config)
        contacts = batch.contact_of()
        outcomes: list[Outcome] = []
        source = f"journey:{batch.journey.pk}"
        for walker in batch.enrollments:
            contact = contacts.get(walker.contact_id)
            if contact is None:
                outcomes.append(Advance("next", skipped=str(_("The contact no longer exists."))))
                continue
            try:
                contact_update(
                    contact=contact, data=data, cause=StageChange.Cause.JOURNEY, source=source, now=batch.now
                )
            except ValidationError as exc:
                outcomes.append(Advance("next", skipped=" ".join(exc.messages)[:300]))
            else:
                outcomes.append(Advance("next"))
        batch.contacts.forget(contacts)
        return outcomes


def contact_changes(config: Mapping[str, Any]) -> dict[str, Any]:
    """The step's settings as ``contact_update`` data: ``attributes`` (a removed one as ``None``),
    ``add_tags``, ``remove_tags`` and ``stage``, each only when the step changes it."""
    data: dict[str, Any] = {}
    attributes = dict(config.get("set_attributes") or {})
    attributes.update(dict.fromkeys(config.get("remove_attributes") or []))
    if attributes:
        data["attributes"] = attributes
    for name in ("add_tags", "remove_tags"):
        if config.get(name):
            data[name] = list(config[name])
    if config.get("stage"):
        data["stage"] = config["stage"]
    return data
