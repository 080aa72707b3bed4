from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flowbuilder.accounts.models import ApiKey, User, WriteKey
from flowbuilder.accounts.roles import role_of


class SecretKeyAdmin(admin.ModelAdmin[Any]):
    """Keys are listed and revoked here; the secret itself is never stored, so never shown.
    They are created on the Settings page, where the key is shown once."""

    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def revoke_keys(self, queryset: QuerySet[Any]) -> None:
        queryset.filter(revoked_at=None).update(revoked_at=timezone.now())


@admin.register(ApiKey)
class ApiKeyAdmin(SecretKeyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__username", "user__email"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        self.revoke_keys(queryset)


@admin.register(WriteKey)
class WriteKeyAdmin(SecretKeyAdmin):
    list_display = ["name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "created_by__username", "created_by__email"]
    readonly_fields = ["name", "prefix", "created_by", "created_at", "last_used_at"]

    @admin.action(description=_("Revoke selected write keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[WriteKey]) -> None:
        self.revoke_keys(queryset)


@admin.register(User)
class FlowbuilderUserAdmin(UserAdmin):
    """Django's user admin with each user's Flowbuilder role in the list.

    A role is given by putting the user in exactly one of the groups viewer, marketer
    or admin (docs/access.md); the admin group also makes the user staff.
    """

    list_display = ["username", "email", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_superuser"]
    fieldsets = (*UserAdmin.fieldsets, (_("Preferences"), {"fields": ("language", "timezone")}))  # type: ignore[misc]

    @admin.display(description=_("role"))
    def role(self, user: User) -> str:
        found = role_of(user)
        return str(found.label) if found else "—"
