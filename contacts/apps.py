from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Recurring tasks, kept in django-q2's schedule table (created or corrected after migrate).
SCHEDULES = {
    "contacts: time-relative segments": ("contacts.tasks.refresh_time_relative_segments", 10),
    "contacts: due audience syncs": ("contacts.tasks.sync_due_audiences", 1),
    "contacts: leftover segment refreshes": ("contacts.tasks.refresh_dirty_contacts", 1),
}


def ensure_schedules(**kwargs: Any) -> None:
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1}
        )


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from contacts import checks  # noqa: F401 - registers the system checks

        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="contacts.ensure_schedules")
