from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import Advance, Category, NodeType, Outcome, Reference, ReferenceField

if TYPE_CHECKING:
    from contacts.models import Audience
    from journeys.executor import StepBatch


def audience_step(batch: StepBatch, *, add: bool) -> Sequence[Outcome]:
    """Membership rows for the whole batch in one write; the provider sync sends them later."""
    from contacts.services.audiences import audience_members_add, audience_members_remove

    audience, reason = audience_for(batch.config)
    if audience is None:
        return [Advance("next", skipped=reason)] * len(batch.enrollments)
    change = audience_members_add if add else audience_members_remove
    change(audience=audience, contact_ids={w.contact_id for w in batch.enrollments}, now=batch.now)
    return [Advance("next")] * len(batch.enrollments)


def audience_for(config: Mapping[str, Any]) -> tuple[Audience | None, str]:
    """The step's audience, or ``None`` and why not when it no longer exists or is switched off."""
    from django.utils.translation import gettext

    from contacts.models import Audience

    audience = Audience.objects.filter(pk=config["audience"]).first()
    if audience is None or not audience.is_active:
        return None, gettext("The audience no longer exists or is switched off.")
    return audience, ""


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

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        return audience_step(batch, add=True)
