from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.nodes.base import Category, NodeType


class ExitConfig(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(
        choices=[("end", _("End of the journey")), ("goal", _("Goal reached"))],
        default="end",
        label=_("Why"),
    )


class Exit(NodeType):
    kind = "exit"
    label = _("Exit")
    description = _("Ends the journey for the contact.")
    category = Category.END
    icon = "flag"
    Config = ExitConfig
    outputs = ()
