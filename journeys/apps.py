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
    Schedule.objects.update_or_create(
        name="journeys: executor ticker",
        defaults={
            "func": "journeys.tasks.executor_tick",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    Schedule.objects.update_or_create(
        name="journeys: date triggers and webhook retries",
        defaults={
            "func": "journeys.tasks.journeys_sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
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

        from contacts import signals
        from journeys import receivers

        signals.events_recorded.connect(receivers.on_events_recorded, dispatch_uid="journeys.events")
        signals.segment_membership_changed.connect(
            receivers.on_segment_membership_changed, dispatch_uid="journeys.segments"
        )
        signals.stage_changed.connect(receivers.on_stage_changed, dispatch_uid="journeys.stages")
