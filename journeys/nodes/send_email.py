from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.emails.rendering import template_field_check
from journeys.nodes.base import Category, NodeType, Reference, ReferenceField


class SendEmailConfig(serializers.Serializer[Any]):
    template = ReferenceField(to="template", label=_("Email template"))
    sender_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        label=_("Sender name"),
        help_text=_("Leave empty to use the template's."),
    )
    sender_email = serializers.EmailField(
        required=False, allow_blank=True, label=_("Sender address"), help_text=_("Leave empty to use the template's.")
    )
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        label=_("Subject"),
        help_text=_("Leave empty to use the template's."),
    )
    skip_if_capped = serializers.BooleanField(
        default=False,
        label=_("Skip when the contact already got enough emails"),
        help_text=_("Otherwise the email waits until the frequency cap allows it."),
    )

    def validate_subject(self, subject: str) -> str:
        if "\n" in subject or "\r" in subject:
            raise serializers.ValidationError(_("Line breaks are not allowed here."))
        return template_field_check(subject)


class SendEmail(NodeType):
    kind = "send_email"
    label = _("Send email")
    description = _("Sends a personalised marketing email to the contact (never to unsubscribed contacts).")
    category = Category.ACTIONS
    icon = "mail"
    Config = SendEmailConfig

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        return [Reference("template", "template", config["template"])] if config.get("template") else []
