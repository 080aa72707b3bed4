"""Pages of the contacts app: thin views over selectors and services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors
from contacts.forms import AudienceForm, StageForm
from contacts.models import Audience, AudienceMember, Contact, ContactImport, LifecycleStage, Segment, StageRule
from contacts.profile import profile_panels
from contacts.services import audiences as audience_services
from contacts.services import imports
from flowbuilder.accounts.access import role_required
from flowbuilder.accounts.roles import Role, has_role


@role_required()
def contact_list(request: HttpRequest) -> HttpResponse:
    params: dict[str, str] = {k: str(v) for k, v in request.GET.items() if v}
    errors: dict[str, list[str]] = {}
    try:
        contacts = selectors.contacts_search(params=params)
    except ValidationError as exc:
        errors = exc.message_dict
        contacts = selectors.contacts_search(params={"q": params.get("q", "")})
    page = Paginator(contacts, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contacts/contact_list.html",
        {
            "section": "contacts",
            "page": page,
            "params": params,
            "filter_errors": errors,
            "query_string": query.urlencode(),
            "stages": LifecycleStage.objects.filter(is_active=True),
            "segments": Segment.objects.filter(is_active=True).order_by("name"),
            "consents": Contact.Consent.choices,
            "has_any": bool(params) or Contact.objects.exists(),
            "filtered": bool({"q", "stage", "segment", "consent", "tag"} & set(params)),
        },
    )


@role_required()
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("stage"), pk=pk)
    events = Paginator(selectors.contact_events(contact=contact, name=request.GET.get("event") or None), 25)
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "section": "contacts",
            "contact": contact,
            "events": events.get_page(request.GET.get("page")),
            "event_names": contact.events.order_by().values_list("name", flat=True).distinct(),
            "event_filter": request.GET.get("event", ""),
            "event_query": urlencode({"event": request.GET["event"]}) if request.GET.get("event") else "",
            "attributes": sorted(contact.attributes.items()),
            "panels": profile_panels(request, contact),
            **selectors.contact_profile(contact=contact),
        },
    )


@role_required()
def segment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "contacts/segment_list.html",
        {"section": "segments", "segments": Segment.objects.order_by("name"), "contact_count": Contact.objects.count()},
    )


def _builder_context(request: HttpRequest, segment: Segment | None) -> dict[str, Any]:
    """Everything the rule editor needs to offer pickers, serialised for the page's script."""
    data = {
        "segment": None
        if segment is None
        else {
            "id": segment.pk,
            "name": segment.name,
            "description": segment.description,
            "kind": segment.kind,
            "rules": segment.rules,
            "is_active": segment.is_active,
            "member_count": segment.member_count,
        },
        "stages": [{"key": s.key, "name": s.label} for s in LifecycleStage.objects.filter(is_active=True)],
        "segments": [
            {"id": s.pk, "name": s.name}
            for s in Segment.objects.exclude(pk=segment.pk if segment else 0).order_by("name")
        ],
        "eventNames": selectors.known_event_names(),
        "attributeNames": selectors.known_attribute_names(),
        "canEdit": has_role(request.user, Role.MARKETER),
        "urls": {
            "preview": reverse("api:segment-preview"),
            "save": reverse("api:segment", args=[segment.pk]) if segment else reverse("api:segments"),
            "list": reverse("contacts:segments"),
            "members": reverse("contacts:list") + (f"?segment={segment.pk}" if segment else ""),
        },
    }
    return {"section": "segments", "segment": segment, "builder_data": data}


@role_required()
def segment_new(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/segment_builder.html", _builder_context(request, None))


@role_required()
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    return render(request, "contacts/segment_builder.html", _builder_context(request, segment))


@role_required()
def audience_list(request: HttpRequest) -> HttpResponse:
    audiences = list(Audience.objects.order_by("name"))
    counts = selectors.audience_state_counts(audience_ids=[a.pk for a in audiences])
    rows = [{"audience": a, "counts": counts.get(a.pk, {})} for a in audiences]
    return render(request, "contacts/audience_list.html", {"section": "audiences", "rows": rows})


@role_required()
@require_http_methods(["GET", "POST"])
def audience_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk) if pk else None
    form = AudienceForm(request.POST or None, audience=audience, provider=request.GET.get("provider"))
    if request.method == "POST" and form.is_valid():
        try:
            audience = audience_services.audience_save(audience=audience, **form.service_arguments())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Audience “%(name)s” saved.") % {"name": audience.name})
            return redirect("contacts:audience", pk=audience.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "contacts/audience_form.html",
        {"section": "audiences", "form": form, "audience": audience},
        status=status,
    )


@role_required()
def audience_detail(request: HttpRequest, pk: int) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk)
    state = request.GET.get("state", "")
    members = audience.members.select_related("contact").order_by("-updated_at", "-id")
    if state in AudienceMember.State.values:
        members = members.filter(state=state)
    counts = selectors.audience_state_counts(audience_ids=[audience.pk]).get(audience.pk, {})
    return render(
        request,
        "contacts/audience_detail.html",
        {
            "section": "audiences",
            "audience": audience,
            "page": Paginator(members, 50).get_page(request.GET.get("page")),
            "state": state,
            "states": AudienceMember.State.choices,
            "counts": counts,
            "query_string": f"state={state}" if state else "",
        },
    )


@role_required()
@require_POST
def audience_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk)
    if action == "sync":
        audience_services.audience_sync_schedule(audience.pk)
        messages.success(request, _("Sync started. Refresh in a moment to see the result."))
    elif action == "retry":
        count = audience_services.audience_members_retry(audience=audience)
        messages.success(request, _("%(n)s failed members queued again.") % {"n": count})
    else:
        return HttpResponse(status=404)
    return redirect("contacts:audience", pk=audience.pk)


@role_required()
@require_http_methods(["GET", "POST"])
def stage_list(request: HttpRequest) -> HttpResponse:
    """The funnel: rename, reorder, add and (de)activate stages; stage rules listed."""
    form = StageForm(request.POST or None, prefix="new")
    if request.method == "POST":
        if "save_order" in request.POST:
            _save_stage_rows(request)
            messages.success(request, _("Stages saved."))
            return redirect("contacts:stages")
        if form.is_valid():
            form.save()
            messages.success(request, _("Stage “%(name)s” added.") % {"name": form.instance.name})
            return redirect("contacts:stages")
    return render(
        request,
        "contacts/stage_list.html",
        {
            "section": "contacts",
            "stage_groups": [
                (_("Funnel"), LifecycleStage.objects.filter(kind=LifecycleStage.Kind.FUNNEL)),
                (_("Beside the funnel"), LifecycleStage.objects.filter(kind=LifecycleStage.Kind.SIDE)),
            ],
            "rules": StageRule.objects.select_related("to_stage", "segment"),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


def _save_stage_rows(request: HttpRequest) -> None:
    for stage in LifecycleStage.objects.all():
        name = request.POST.get(f"name-{stage.pk}", "").strip()
        position = request.POST.get(f"position-{stage.pk}", "")
        if name and name != stage.label:  # the translated default shown in the form is no rename
            stage.name = name[:100]
        if position.isdecimal():
            stage.position = int(position)
        stage.is_active = f"active-{stage.pk}" in request.POST
        stage.save(update_fields=["name", "position", "is_active"])


@role_required()
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """Past imports, and the upload that starts a new one (marketers)."""
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose a CSV file to upload.")]
        else:
            try:
                contact_import = imports.import_create(upload=upload, user=request.user)
            except ValidationError as exc:
                errors = exc.messages
            else:
                return redirect("contacts:import", pk=contact_import.pk)
    return render(
        request,
        "contacts/import_list.html",
        {"section": "contacts", "imports": ContactImport.objects.select_related("created_by")[:50], "errors": errors},
        status=400 if errors else 200,
    )


@role_required()
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the columns (before the start), then follow the progress and read the report."""
    contact_import = get_object_or_404(ContactImport, pk=pk)
    errors: dict[str, list[str]] = {}
    mapping = dict(contact_import.mapping)
    if request.method == "POST":
        mapping = {
            column: request.POST.get(f"map-{index}", imports.IGNORE)
            for index, column in enumerate(contact_import.columns)
        }
        try:
            imports.import_start(contact_import=contact_import, mapping=mapping)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return redirect("contacts:import", pk=contact_import.pk)
    columns = []
    sample = (
        imports.import_sample(contact_import=contact_import)
        if contact_import.status == ContactImport.Status.MAPPING
        else []
    )
    for index, column in enumerate(contact_import.columns):
        target = mapping.get(column, imports.IGNORE)
        attribute = (
            target if target.startswith(imports.ATTRIBUTE_PREFIX) else imports.mapping_suggest(columns=[column])[column]
        )
        if not attribute.startswith(imports.ATTRIBUTE_PREFIX):
            attribute = imports.ATTRIBUTE_PREFIX + slugify(column).replace("-", "_")
        columns.append(
            {
                "index": index,
                "name": column,
                "target": target,
                "attribute": attribute,
                "examples": [row[index] for row in sample if index < len(row) and row[index]][:3],
                "errors": errors.get(f"mapping.{column}", []),
            }
        )
    return render(
        request,
        "contacts/import_detail.html",
        {
            "section": "contacts",
            "contact_import": contact_import,
            "columns": columns,
            "targets": IMPORT_TARGET_LABELS,
            "general_errors": [m for key, msgs in errors.items() if not key.startswith("mapping.") for m in msgs],
            "rejected": contact_import.rejected[:200],
        },
        status=400 if errors else 200,
    )


IMPORT_TARGET_LABELS = [
    ("email", gettext_lazy("Email")),
    ("external_id", gettext_lazy("External id")),
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("timezone", gettext_lazy("Time zone")),
    ("locale", gettext_lazy("Language")),
    ("stage", gettext_lazy("Lifecycle stage")),
    ("email_consent", gettext_lazy("Email consent")),
    ("tags", gettext_lazy("Tags (comma-separated)")),
]
