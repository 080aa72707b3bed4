from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from journeys import executor_admin  # noqa: F401 - registers the executor's models (enrollments, steps…)
from journeys.emails.services.outbox import sender_schedule
from journeys.emails.services.templates import CONTENT_FIELDS, content_check
from journeys.models import (
    EmailTemplate,
    EmailTemplateTranslation,
    Journey,
    JourneyVersion,
    MessageEvent,
    OutboundMessage,
)
from journeys.nodes import NODE_TYPES, node_type


def render_graph(graph: dict[str, Any]) -> SafeString:
    """A graph as two readable tables: the steps with their settings, and the connections."""
    labels = {kind: str(node_type(kind).label) for kind in NODE_TYPES}
    steps = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
        (
            (n["id"], labels.get(n["type"], n["type"]), n.get("label", ""), n.get("config"))
            for n in graph.get("nodes", [])
        ),
    )
    edges = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
        ((e["source"], e.get("sourceHandle") or "next", e["target"]) for e in graph.get("edges", [])),
    )
    return format_html(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><br>"
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
        _("Step"),
        _("Type"),
        _("Name"),
        _("Settings"),
        steps,
        _("From"),
        _("Output"),
        _("To"),
        edges,
    )


class VersionInline(admin.TabularInline[JourneyVersion, Journey]):
    model = JourneyVersion
    fields = ["number", "published_at", "published_by", "change_note"]
    readonly_fields = ["number", "published_at", "published_by", "change_note"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin[Journey]):
    list_display = ["name", "status", "live_version", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "description"]
    readonly_fields = [
        "live_version", "draft", "created_at", "updated_at", "draft_saved_at", "draft_revision", "created_by"
    ]  # fmt: skip
    exclude = ["draft_graph", "secrets"]
    inlines = [VersionInline]

    @admin.display(description=_("draft graph"))
    def draft(self, journey: Journey) -> SafeString:
        return render_graph(journey.draft_graph)


@admin.register(JourneyVersion)
class JourneyVersionAdmin(admin.ModelAdmin[JourneyVersion]):
    """Versions are immutable: shown, never changed."""

    list_display = ["journey", "number", "published_at", "published_by", "change_note"]
    list_filter = ["journey"]
    readonly_fields = ["journey", "number", "published_at", "published_by", "change_note", "steps", "settings"]
    exclude = ["graph"]

    @admin.display(description=_("graph"))
    def steps(self, version: JourneyVersion) -> SafeString:
        return render_graph(version.graph)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ContentChecked(forms.ModelForm):
    """Admin forms check the Jinja of every part, as the editor and the API do."""

    html = True

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        content = {name: cleaned.get(name) or "" for name in CONTENT_FIELDS if name in self.fields}
        for field, errors in content_check(content).items():
            if field in self.fields:
                self.add_error(field, errors)
        return cleaned


class TemplateTranslationInline(admin.StackedInline[EmailTemplateTranslation, EmailTemplate]):
    model = EmailTemplateTranslation
    form = _ContentChecked
    extra = 0


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin[EmailTemplate]):
    list_display = ["name", "subject", "language", "on_missing", "is_active", "updated_at"]
    list_filter = ["is_active", "language"]
    search_fields = ["name", "subject"]
    form = _ContentChecked
    inlines = [TemplateTranslationInline]


class MessageEventInline(admin.TabularInline[MessageEvent, OutboundMessage]):
    model = MessageEvent
    fields = ["kind", "url", "detail", "occurred_at"]
    readonly_fields = ["kind", "url", "detail", "occurred_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin[OutboundMessage]):
    """Every email: what was sent to whom, why one was not, what failed. Rows are written by the
    outbox and the sender only; an admin may put failed messages back in the queue."""

    list_display = ["subject", "to_email", "kind", "status", "attempts", "template", "journey", "created_at", "sent_at"]
    list_filter = ["status", "kind", "template", "journey"]
    search_fields = ["to_email", "subject", "message_id", "skip_reason", "last_error"]
    date_hierarchy = "created_at"
    list_select_related = ["template", "journey"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]
    inlines = [MessageEventInline]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundMessage | None = None) -> bool:
        return False

    @admin.action(description=_("Send failed messages again now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        if not request.user.is_superuser:
            self.message_user(request, _("Only administrators may send messages again."), messages.ERROR)
            return
        count = queryset.filter(status=OutboundMessage.Status.FAILED).update(
            status=OutboundMessage.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
        )
        if count:
            transaction.on_commit(sender_schedule)
        self.message_user(
            request,
            ngettext("%(count)s message queued again.", "%(count)s messages queued again.", count) % {"count": count},
        )
