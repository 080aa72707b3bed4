from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_schedules(**kwargs: Any) -> None:
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="email: send due messages",
        defaults={
            "func": "journeys.tasks.send_queued_messages",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Journeys")

    def ready(self) -> None:
        from journeys import (
            checks,  # noqa: F401 - registers the system checks
            profile_panels,  # noqa: F401 - adds the Emails panel to the contact profile
        )

        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="journeys.ensure_schedules")
