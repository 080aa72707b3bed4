from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import NEXT, Advance, Category, NodeType, Outcome, Output, Stay

if TYPE_CHECKING:
    from journeys.executor import StepBatch

FAILED = Output("failed", _("Failed"))


class WebhookConfig(serializers.Serializer[Any]):
    url = serializers.URLField(max_length=2000, label=_("URL"), help_text=_("e.g. https://crm.example.com/leads"))
    method = serializers.ChoiceField(
        choices=["POST", "PUT", "PATCH", "GET", "DELETE"], default="POST", label=_("Method")
    )
    headers = serializers.DictField(
        child=serializers.CharField(max_length=1000), required=False, default=dict, label=_("Headers")
    )
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20_000,
        label=_("Body"),
        style={"widget": "textarea"},
        help_text=_("JSON, personalised like emails: {{ contact.email }}, {{ event.budget }}."),
    )

    def validate_url(self, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise serializers.ValidationError(_("Use an http:// or https:// address."))
        return url

    def validate_headers(self, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not name or any(c in name for c in " :\r\n") or "\r" in value or "\n" in value:
                raise serializers.ValidationError(_("Header %(name)r is not a valid HTTP header.") % {"name": name})
        return headers


class Webhook(NodeType):
    kind = "webhook"
    label = _("Webhook")
    description = _("Calls another system, e.g. to hand a lead to your CRM. Signed with the journey's secret.")
    category = Category.ACTIONS
    icon = "webhook"
    Config = WebhookConfig
    outputs = (NEXT, FAILED)

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """First visit: store the request (body personalised) and wait for its delivery; when
        woken, leave by ``next`` (delivered) or ``failed`` (after the last attempt)."""
        from django.db import transaction
        from django.utils.translation import gettext

        from journeys.emails.rendering import TemplateRefused, compile_part, render_part
        from journeys.emails.services.templates import StageNames
        from journeys.models import WebhookDelivery
        from journeys.webhooks import webhook_schedule

        config = batch.config
        known = {
            (row.enrollment_id, row.seq): row
            for row in WebhookDelivery.objects.filter(enrollment_id__in=[w.id for w in batch.enrollments])
        }
        contacts = batch.contact_of()
        stages, body = StageNames(), compile_part(config.get("body", ""))
        outcomes: list[Outcome] = []
        new: list[WebhookDelivery] = []
        for walker in batch.enrollments:
            delivery = known.get((walker.id, walker.seq))
            if delivery is not None:
                if delivery.status == WebhookDelivery.Status.DELIVERED:
                    outcomes.append(
                        Advance("next", detail={"delivery": delivery.pk, "status": delivery.response_status})
                    )
                elif delivery.status == WebhookDelivery.Status.FAILED:
                    detail = {"delivery": delivery.pk, "error": delivery.last_error[:300]}
                    outcomes.append(Advance("failed", detail=detail))
                else:
                    outcomes.append(Stay(None, reason="webhook"))
                continue
            contact = contacts.get(walker.contact_id)
            if contact is None:
                outcomes.append(Advance("failed", skipped=gettext("The contact no longer exists.")))
                continue
            values = webhook_values(contact, event=walker.event, journey=batch.journey, stages=stages)
            try:
                text = render_part(body, values)
            except TemplateRefused as exc:
                reason = gettext("The body cannot be rendered: %(reason)s") % {"reason": exc}
                outcomes.append(Advance("failed", skipped=reason))
                continue
            new.append(
                WebhookDelivery(
                    enrollment_id=walker.id,
                    journey_id=batch.journey.pk,
                    node_id=batch.node_id,
                    seq=walker.seq,
                    url=config["url"],
                    method=config.get("method", "POST"),
                    headers=dict(config.get("headers") or {}),
                    body=text,
                    created_at=batch.now,
                    next_attempt_at=batch.now,
                )
            )
            outcomes.append(Stay(None, reason="webhook"))
        if new:
            WebhookDelivery.objects.bulk_create(new)
            transaction.on_commit(webhook_schedule)
        return outcomes


def webhook_values(contact: Any, *, event: Mapping[str, Any], journey: Any, stages: Any = None) -> dict[str, Any]:
    """What a webhook body renders with: what a notification does (``contact``, ``event``, the
    trigger's properties, and ``journey``), in the workspace's time zone. Reads nothing but stage
    names."""
    from journeys.emails.services.outbox import workspace_values
    from journeys.nodes.notify import notify_context

    return workspace_values(notify_context(contact, event=event, journey=journey, language="en", stages=stages))
