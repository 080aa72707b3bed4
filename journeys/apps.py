from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self) -> None:
        from journeys import checks  # noqa: F401 - registers the system checks
