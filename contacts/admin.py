from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import (
    Audience,
    AudienceMember,
    Contact,
    ContactImport,
    Event,
    LifecycleStage,
    Segment,
    SegmentChange,
    SegmentMembership,
    StageChange,
    StageRule,
    Tag,
)
from contacts.services.audiences import audience_members_retry, audience_sync_schedule
from contacts.services.segments import segment_reevaluate


class ReadOnlyAdmin(admin.ModelAdmin):
    """History rows are written by the services only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["changed_at", "from_stage", "to_stage", "cause", "detail"]
    readonly_fields = ["changed_at", "from_stage", "to_stage", "cause", "detail"]
    can_delete = False
    ordering = ["-changed_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = [
        "__str__",
        "name",
        "stage",
        "email_consent",
        "order_count",
        "total_revenue",
        "last_seen_at",
        "created_at",
    ]
    list_filter = ["stage", "email_consent", "created_at", "last_seen_at"]
    search_fields = ["email", "external_id", "first_name", "last_name"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_seen_at",
        "order_count",
        "total_revenue",
        "first_order_at",
        "last_order_at",
        "consent_changed_at",
        "consent_source",
    ]
    list_select_related = ["stage"]
    inlines = [StageChangeInline]
    show_full_result_count = False


@admin.register(LifecycleStage)
class LifecycleStageAdmin(admin.ModelAdmin[LifecycleStage]):
    list_display = ["name", "key", "kind", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["kind", "is_active"]


@admin.register(StageRule)
class StageRuleAdmin(admin.ModelAdmin[StageRule]):
    list_display = ["name", "trigger", "event_name", "segment", "to_stage", "only_forward", "is_active", "position"]
    list_filter = ["trigger", "is_active", "to_stage"]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["contact", "from_stage", "to_stage", "cause", "detail", "changed_at"]
    list_filter = ["cause", "to_stage", "changed_at"]
    search_fields = ["contact__email", "contact__external_id", "detail"]
    list_select_related = ["contact", "from_stage", "to_stage"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    search_fields = ["name"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["name", "contact", "occurred_at", "received_at", "source", "idempotency_key"]
    list_filter = ["source", "occurred_at"]
    search_fields = ["name", "idempotency_key", "contact__email", "contact__external_id"]
    list_select_related = ["contact"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin[Segment]):
    list_display = ["name", "kind", "member_count", "uses_time", "is_active", "evaluated_at"]
    list_filter = ["kind", "is_active", "uses_time"]
    search_fields = ["name", "description"]
    readonly_fields = ["member_count", "uses_time", "evaluated_at", "created_at", "updated_at"]
    actions = ["reevaluate"]

    def save_model(self, request: HttpRequest, obj: Segment, form: Any, change: bool) -> None:
        from contacts.services.segments import segment_save

        segment_save(
            segment=obj if change else None,
            name=obj.name,
            description=obj.description,
            kind=obj.kind,
            rule=obj.rules,
            is_active=obj.is_active,
        )

    @admin.action(description=_("Re-evaluate membership now"))
    def reevaluate(self, request: HttpRequest, queryset: QuerySet[Segment]) -> None:
        for segment in queryset:
            entered, exited = segment_reevaluate(segment, now=timezone.now())
            self.message_user(
                request,
                _("%(name)s: %(entered)s entered, %(exited)s left.")
                % {"name": segment.name, "entered": entered, "exited": exited},
            )


@admin.register(SegmentMembership)
class SegmentMembershipAdmin(ReadOnlyAdmin):
    list_display = ["segment", "contact", "entered_at"]
    list_filter = ["segment"]
    search_fields = ["contact__email", "contact__external_id"]
    list_select_related = ["segment", "contact"]


@admin.register(SegmentChange)
class SegmentChangeAdmin(ReadOnlyAdmin):
    list_display = ["segment", "contact", "change", "changed_at"]
    list_filter = ["change", "segment", "changed_at"]
    search_fields = ["contact__email", "contact__external_id"]
    list_select_related = ["segment", "contact"]


class AudienceForm(forms.ModelForm):
    """Credentials are write-only: the field is always empty; filling it replaces them."""

    new_credentials = forms.CharField(
        label=_("Replace credentials"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_('JSON, e.g. {"access_token": "…"}. Leave empty to keep the stored ones.'),
    )

    class Meta:
        model = Audience
        fields = ["name", "provider", "config", "is_active"]

    def clean_new_credentials(self) -> dict[str, Any] | None:
        text = self.cleaned_data.get("new_credentials") or ""
        if not text.strip():
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Expected a JSON object.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Expected a JSON object."))
        return value

    def save(self, commit: bool = True) -> Audience:
        audience: Audience = super().save(commit=False)
        if self.cleaned_data.get("new_credentials") is not None:
            audience.secrets = self.cleaned_data["new_credentials"]
        if commit:
            audience.save()
        return audience


@admin.register(Audience)
class AudienceAdmin(admin.ModelAdmin[Audience]):
    form = AudienceForm
    list_display = ["name", "provider", "is_active", "last_synced_at", "has_error"]
    list_filter = ["provider", "is_active"]
    readonly_fields = ["last_synced_at", "last_error", "created_at"]
    actions = ["sync_now", "retry_failed"]

    @admin.display(boolean=True, description=_("error"))
    def has_error(self, audience: Audience) -> bool:
        return bool(audience.last_error)

    @admin.action(description=_("Sync now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Audience]) -> None:
        for audience in queryset:
            audience_sync_schedule(audience.pk)
        self.message_user(request, _("Sync queued."), messages.SUCCESS)

    @admin.action(description=_("Retry failed members"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Audience]) -> None:
        total = sum(audience_members_retry(audience=audience) for audience in queryset)
        self.message_user(request, _("%(n)s members queued again.") % {"n": total}, messages.SUCCESS)


@admin.register(AudienceMember)
class AudienceMemberAdmin(ReadOnlyAdmin):
    list_display = ["audience", "contact", "state", "attempts", "next_attempt_at", "synced_at", "last_error"]
    list_filter = ["state", "audience"]
    search_fields = ["contact__email", "contact__external_id", "last_error"]
    list_select_related = ["audience", "contact"]


@admin.register(ContactImport)
class ContactImportAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    exclude = ["file"]
