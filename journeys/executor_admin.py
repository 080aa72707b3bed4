"""Django admin for what the executor writes: enrollments (with the "Health" filter and the retry
and remove actions), the step log, conversions, webhook deliveries and pending nudges.

Everything here is shown, not edited: the executor owns these rows, and the actions go through
``journeys/interventions.py``. The lists stay fast with millions of rows: no full counts, an
estimated count for an unfiltered list on PostgreSQL, related rows joined, and search by an
exact email address (the contacts' unique index) rather than a scan.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from journeys.health import HEALTH_KINDS, STUCK_AFTER, health_filter
from journeys.interventions import enrollments_remove, enrollments_retry
from journeys.models import Conversion, Enrollment, Nudge, Step, WebhookDelivery

STEPS_SHOWN = 50  # on an enrollment's page, the latest; all of them are a link away


class EstimatedCountPaginator(Paginator):
    """Pages whose count of an unfiltered big table comes from PostgreSQL's statistics:
    ``count(*)`` over millions of rows takes seconds, and the page links need only about."""

    EXACT_BELOW = 100_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet) and not rows.query.where:
            connection = connections[rows.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [rows.model._meta.db_table]
                    )
                    row = cursor.fetchone()
                if row and row[0] >= self.EXACT_BELOW:
                    return int(row[0])
        return super().count


class ShownNotEdited(admin.ModelAdmin[Any]):
    """A list and read-only pages of rows the executor writes."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HealthFilter(admin.SimpleListFilter):
    """Stuck, retrying and failed enrollments (``journeys/health.py``), linked from the journey page."""

    title = _("health")
    parameter_name = "health"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        minutes = int(STUCK_AFTER.total_seconds() // 60)
        return [
            ("stuck", gettext("Stuck (overdue by more than %(minutes)s minutes)") % {"minutes": minutes}),
            ("retrying", gettext("Retrying after errors")),
            ("failed", gettext("Failed")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in HEALTH_KINDS:
            return queryset
        return queryset.filter(health_filter(value, now=timezone.now()))


def _moment(value: Any) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


@admin.register(Enrollment)
class EnrollmentAdmin(ShownNotEdited):
    list_display = ["contact", "journey", "version_number", "node_id", "state", "due_at", "attempts", "error"]
    list_filter = [HealthFilter, "state", "journey"]
    list_select_related = ["contact", "journey", "version"]
    search_fields = ["contact__email"]
    search_help_text = _("The contact's whole email address.")
    raw_id_fields = ["contact", "journey", "version"]
    readonly_fields = ["step_log"]
    fieldsets = [
        (None, {"fields": ["contact", "journey", "version", "state", "node_id", "due_at", "attempts", "last_error"]}),
        (_("Entry"), {"fields": ["trigger_key", "trigger_data", "entered_at", "slot"]}),
        (_("Progress"), {"fields": ["node_entered_at", "steps", "finished_at", "exit_reason", "step_log"]}),
    ]
    actions = ["retry_now", "remove_from_journey"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The contact and journey come along, so the page title and breadcrumbs name them.
        return super().get_queryset(request).select_related("contact", "journey", "version")

    def has_change_permission(self, request: HttpRequest, obj: Enrollment | None = None) -> bool:
        # The list's actions need the change permission; a single enrollment is only shown.
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip().lower()  # emails are stored lower-case
        return (queryset.filter(contact__email=term) if term else queryset), False

    @admin.display(description=_("version"), ordering="version__number")
    def version_number(self, enrollment: Enrollment) -> str:
        return f"v{enrollment.version.number}"

    @admin.display(description=_("last error"))
    def error(self, enrollment: Enrollment) -> str:
        return Truncator(enrollment.last_error).chars(80)

    @admin.display(description=_("steps taken"))
    def step_log(self, enrollment: Enrollment) -> SafeString:
        steps = list(Step.objects.filter(enrollment=enrollment).order_by("-seq")[:STEPS_SHOWN])[::-1]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((s.seq, s.node_id, s.get_outcome_display(), s.output, s.reason, _moment(s.at)) for s in steps),
        )
        link = reverse("admin:journeys_step_changelist") + f"?enrollment__id__exact={enrollment.pk}"
        return format_html(
            "<table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>"
            '<p><a href="{}">{}</a></p>',
            _("Step"),
            _("Outcome"),
            _("Output"),
            _("Reason"),
            _("At"),
            rows,
            link,
            ngettext("All %(count)s step", "All %(count)s steps", enrollment.steps) % {"count": enrollment.steps},
        )

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
        report = enrollments_retry(enrollment_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)s enrollment runs its step again now.",
                "%(count)s enrollments run their step again now.",
                report.retried,
            )
            % {"count": report.retried},
        )
        if report.skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)s was left as it is: it has finished, the executor is moving it right now, or "
                    "its contact is in the journey again.",
                    "%(count)s were left as they are: they have finished, the executor is moving them right now, "
                    "or their contact is in the journey again.",
                    report.skipped,
                )
                % {"count": report.skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Remove from journey"), permissions=["change"])
    def remove_from_journey(self, request: HttpRequest, queryset: QuerySet[Enrollment]) -> None:
        reason = gettext("Removed by %(user)s in admin.") % {"user": request.user.get_username()}
        report = enrollments_remove(enrollment_ids=queryset.values_list("pk", flat=True), reason=reason)
        self.message_user(
            request,
            ngettext(
                "%(count)s enrollment left its journey.", "%(count)s enrollments left their journeys.", report.removed
            )
            % {"count": report.removed},
        )


@admin.register(Step)
class StepAdmin(ShownNotEdited):
    list_display = ["enrollment", "journey", "seq", "node_id", "node_type", "outcome", "output", "short_reason", "at"]
    list_filter = ["outcome", "journey"]
    list_select_related = ["journey", "enrollment"]
    raw_id_fields = ["enrollment", "journey", "version"]
    ordering = ["-id"]  # the newest first, by the primary key's index

    @admin.display(description=_("reason"))
    def short_reason(self, step: Step) -> str:
        return Truncator(step.reason).chars(80)


@admin.register(Conversion)
class ConversionAdmin(ShownNotEdited):
    list_display = ["contact", "journey", "version", "email_node_id", "converted_at"]
    list_filter = ["journey"]
    list_select_related = ["contact", "journey", "version__journey"]
    raw_id_fields = ["enrollment", "journey", "version", "contact", "event"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ShownNotEdited):
    list_display = ["method", "url", "journey", "node_id", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status", "journey"]
    list_select_related = ["journey"]
    raw_id_fields = ["enrollment", "journey"]


@admin.register(Nudge)
class NudgeAdmin(ShownNotEdited):
    """Exits and wake-ups waiting for the executor's next batch: a long list means it is not running."""

    list_display = ["enrollment", "kind", "node_id", "reason", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["enrollment"]
    raw_id_fields = ["enrollment"]
