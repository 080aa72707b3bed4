from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from flowbuilder.accounts.models import ApiKey, WriteKey


def api_keys_of(*, user: Any) -> QuerySet[ApiKey]:
    """The user's keys, newest first, revoked ones included (they show as revoked)."""
    return ApiKey.objects.filter(user=user).order_by("revoked_at", "-created_at")


def write_keys_all() -> QuerySet[WriteKey]:
    """The workspace's write keys with their creators, active first, newest first within each."""
    return WriteKey.objects.select_related("created_by").order_by("revoked_at", "-created_at")
