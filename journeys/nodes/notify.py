from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.emails.rendering import template_field_check
from journeys.nodes.base import Advance, Category, NodeType, Outcome

if TYPE_CHECKING:
    from journeys.executor import StepBatch


class NotifyConfig(serializers.Serializer[Any]):
    to = serializers.ListField(
        child=serializers.EmailField(),
        min_length=1,
        max_length=20,
        label=_("Send to"),
        help_text=_("Colleagues' email addresses."),
    )
    subject = serializers.CharField(
        max_length=300, label=_("Subject"), help_text=_("e.g. New lead: {{ contact.email }}")
    )
    body = serializers.CharField(max_length=20_000, label=_("Message"), style={"widget": "textarea"})

    def validate_subject(self, subject: str) -> str:
        if "\n" in subject or "\r" in subject:
            raise serializers.ValidationError(_("Line breaks are not allowed here."))
        return template_field_check(subject)

    def validate_body(self, body: str) -> str:
        return template_field_check(body)


class Notify(NodeType):
    kind = "notify"
    label = _("Notify team")
    description = _("Emails a colleague, e.g. so sales follows up a big lead. Not a marketing email.")
    category = Category.ACTIONS
    icon = "bell"
    Config = NotifyConfig

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """One plain-text email per colleague per contact, queued with the step."""
        from django.utils.translation import gettext

        from flowbuilder.core.languages import default_language
        from journeys.emails.rendering import TemplateRefused
        from journeys.emails.services.outbox import notify_queue
        from journeys.emails.services.templates import StageNames

        config = batch.config
        contacts = batch.contact_of()
        stages = StageNames()
        language = default_language()
        outcomes: list[Outcome] = []
        for walker in batch.enrollments:
            contact = contacts.get(walker.contact_id)
            if contact is None:
                outcomes.append(Advance("next", skipped=gettext("The contact no longer exists.")))
                continue
            context = notify_context(
                contact, event=walker.event, journey=batch.journey, language=language, stages=stages
            )
            try:
                rows = notify_queue(
                    to=config.get("to") or [],
                    subject=config.get("subject", ""),
                    body=config.get("body", ""),
                    context=context,
                    now=batch.now,
                )
            except TemplateRefused as exc:
                reason = gettext("The message cannot be rendered: %(reason)s") % {"reason": exc}
                outcomes.append(Advance("next", skipped=reason))
            else:
                outcomes.append(Advance("next", detail={"messages": [row.message_id for row in rows]}))
        return outcomes


def notify_context(
    contact: Any, *, event: Mapping[str, Any], journey: Any, language: str, stages: Any = None
) -> dict[str, Any]:
    """What a notification's subject and body render with: ``contact``, ``event`` (the trigger's
    properties) and ``journey``. Reads nothing but stage names."""
    from journeys.emails.services.templates import StageNames, contact_context

    return {
        "contact": contact_context(contact, language=language, stages=stages or StageNames()),
        "event": dict(event),
        "journey": {"id": journey.pk, "name": journey.name},
    }
