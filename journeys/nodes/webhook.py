from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import NEXT, Category, NodeType, Output

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
