from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class Notify(NodeType):
    kind = "notify"
    label = _("Notify team")
    description = _("Emails a colleague, e.g. so sales follows up a big lead. Not a marketing email.")
    category = Category.ACTIONS
    icon = "bell"
    Config = NotifyConfig
