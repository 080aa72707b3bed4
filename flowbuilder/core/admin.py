from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from flowbuilder.core.models import StoredEmail


@admin.register(StoredEmail)
class StoredEmailAdmin(admin.ModelAdmin[StoredEmail]):
    list_display = ["subject", "from_email", "to", "created_at"]
    search_fields = ["subject", "to", "from_email", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in StoredEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rows are written by the mail backend only

    def has_change_permission(self, request: HttpRequest, obj: StoredEmail | None = None) -> bool:
        return False
