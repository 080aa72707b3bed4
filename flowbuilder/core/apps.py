from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "flowbuilder.core"
    label = "core"
    verbose_name = _("Flowbuilder")

    def ready(self) -> None:
        from flowbuilder.core import (
            schema,  # noqa: F401 - registers the OpenAPI auth extension
            sql,  # noqa: F401 - registers the ``__any`` lookup
        )
