"""Prepare a local install for trying Flowbuilder: demo users with known passwords, and demo data.

Run by ``make run``. It only ever acts on a database with no users, so it never
touches a real installation, and refuses to run with DEBUG off. On later runs it
prints the credentials again as long as the demo admin still has the demo password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from flowbuilder.accounts.roles import Role
from flowbuilder.accounts.services import user_set_role

DEMO_PASSWORD = "flowbuilder"  # noqa: S105 - local demo only; see module docstring
DEMO_USERS = [
    ("admin", "Ada", "Admin", Role.ADMIN),
    ("marketer", "Mia", "Marketer", Role.MARKETER),
    ("viewer", "Victor", "Viewer", Role.VIEWER),
]


class Command(BaseCommand):
    help = "Create demo users (admin, marketer, viewer) when the database has no users yet."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_setup only runs with DEBUG on; it creates users with a known password.")
        User = get_user_model()
        if not User.objects.exists():
            with transaction.atomic():
                for username, first, last, role in DEMO_USERS:
                    user = User.objects.create_user(
                        username=username,
                        email=f"{username}@example.com",
                        password=DEMO_PASSWORD,
                        first_name=first,
                        last_name=last,
                    )
                    user_set_role(user=user, role=role)
            self.stdout.write(self.style.SUCCESS("Created demo users."))
            from contacts.demo import demo_load
            from journeys.demo import demo_load as templates_load

            templates_load()
            loaded = demo_load(now=timezone.now())
            if loaded:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Created demo data: {loaded['contacts']} contacts, {loaded['events']} events, "
                        f"{loaded['segments']} segments."
                    )
                )
        admin = User.objects.filter(username="admin").first()
        if admin is not None and admin.check_password(DEMO_PASSWORD):
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS("Log in with one of the demo accounts:"))
            for username, _first, _last, role in DEMO_USERS:
                self.stdout.write(f"  {role.label:<9} username: {username:<9} password: {DEMO_PASSWORD}")
            self.stdout.write("")
