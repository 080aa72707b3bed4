from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.emails.rendering import template_field_check
from journeys.nodes.base import Category, NodeType


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
