from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from flowbuilder.accounts.roles import role_of


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    icon: str


NAV_ITEMS = [
    NavItem("journeys", _("Journeys"), "journeys:list", "route"),
    NavItem("contacts", _("Contacts"), "contacts:list", "users"),
    NavItem("segments", _("Segments"), "contacts:segments", "filter"),
    NavItem("audiences", _("Audiences"), "contacts:audiences", "target"),
    NavItem("templates", _("Templates"), "journeys:templates", "mail"),
    NavItem("analytics", _("Analytics"), "journeys:analytics", "chart-column"),
    NavItem("settings", _("Settings"), "accounts:settings", "settings"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page of the app shell needs: navigation, the user's role, local-mode hints."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "nav_items": [{"item": item, "url": reverse(item.url_name)} for item in NAV_ITEMS],
        "user_role": role_of(request.user),
        "email_is_local": settings.EMAIL_IS_LOCAL,
        "debug_mode": settings.DEBUG,
        "currency": settings.CURRENCY,
    }
