"""Pages of the journeys app: journeys (a list, the gallery and the canvas editor) and email
templates (a list with figures, and the editor)."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts.models import LifecycleStage
from flowbuilder.accounts.access import role_required
from flowbuilder.accounts.roles import Role, has_role
from flowbuilder.core.languages import default_language
from journeys import gallery, services
from journeys.apis import JourneyOutput
from journeys.emails.apis import TemplateOutput
from journeys.emails.selectors import template_stats
from journeys.emails.starters import starters_for_editor
from journeys.health import HEALTH_KINDS, STUCK_AFTER, journeys_health
from journeys.models import EmailTemplate, Journey, empty_graph
from journeys.selectors import journey_name_free, journeys_totals


@role_required()
def journey_list(request: HttpRequest) -> HttpResponse:
    journeys = list(Journey.objects.select_related("live_version").exclude(status=Journey.Status.ARCHIVED))
    stages = {s.key: s.label for s in LifecycleStage.objects.all()}
    totals = journeys_totals(journey_ids=[j.pk for j in journeys])
    rows = [
        {
            "journey": j,
            "stages": [stages.get(k, k) for k in (j.settings or {}).get("stages", [])],
            "totals": totals[j.pk],
        }
        for j in journeys
    ]
    return render(
        request,
        "journeys/journey_list.html",
        {"section": "journeys", "rows": rows, "gallery": gallery.templates(), "stage_names": stages},
    )


@role_required(read=Role.MARKETER)
@require_POST
def journey_new(request: HttpRequest) -> HttpResponse:
    """A blank draft, named "Untitled journey" (or "Untitled journey 2"…), opened at once."""
    journey = services.journey_create(
        name=journey_name_free(name=_("Untitled journey")), graph=empty_graph(), user=request.user
    )
    messages.success(request, _("“%(name)s” created as a draft.") % {"name": journey.name})
    return redirect("journeys:detail", pk=journey.pk)


@role_required()
@require_POST
def journey_from_gallery(request: HttpRequest, key: str) -> HttpResponse:
    template = gallery.template(key)
    if template is None:
        return HttpResponse(status=404)
    try:
        journey = services.journey_import(document=template.document, user=request.user, name=template.name)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("journeys:list")
    messages.success(request, _("“%(name)s” created as a draft.") % {"name": journey.name})
    return redirect("journeys:detail", pk=journey.pk)


@role_required()
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The journey editor: the canvas, with everything its script needs serialised into the page."""
    journey = get_object_or_404(Journey.objects.select_related("live_version"), pk=pk)
    return render(
        request,
        "journeys/journey_editor.html",
        {
            "section": "journeys",
            "journey": journey,
            "editor_data": _journey_editor_data(request, journey),
            "health": journeys_health(journey_ids=[journey.pk])[journey.pk],
            "health_links": _health_links(request, journey),
            "stuck_minutes": int(STUCK_AFTER.total_seconds() // 60),
        },
    )


def _journey_editor_data(request: HttpRequest, journey: Journey) -> dict[str, Any]:
    """The journey, the pickers' choices and the API addresses, for frontend/canvas/index.jsx.

    The palette and the settings form come from the API (node types, settings schema), so the
    canvas shows exactly what the server validates.
    """
    from contacts.models import Audience, Segment
    from contacts.selectors import known_attribute_names, known_event_names

    api = lambda name, *args: reverse(f"api:{name}", args=args)  # noqa: E731
    events = known_event_names()
    events += [name for name in BUILT_IN_EVENTS if name not in events]
    return {
        "journey": JourneyOutput(journey).data,
        "canEdit": has_role(request.user, Role.MARKETER),
        "sprite": static("build/icons.svg"),
        "lookups": {
            "templates": [
                {"id": t.pk, "name": t.name} for t in EmailTemplate.objects.filter(is_active=True).order_by("name")
            ],
            "segments": [{"id": s.pk, "name": s.name} for s in Segment.objects.filter(is_active=True).order_by("name")],
            "audiences": [
                {"id": a.pk, "name": a.name} for a in Audience.objects.filter(is_active=True).order_by("name")
            ],
            "stages": [{"key": s.key, "name": s.label} for s in LifecycleStage.objects.filter(is_active=True)],
            "eventNames": events,
            "attributeNames": known_attribute_names(),
        },
        "urls": {
            "nodeTypes": api("node-types"),
            "settingsSchema": api("journey-settings-schema"),
            "journey": api("journey", journey.pk),
            "validate": api("journey-validate", journey.pk),
            "publish": api("journey-publish", journey.pk),
            "pause": api("journey-pause", journey.pk),
            "resume": api("journey-resume", journey.pk),
            "versions": api("journey-versions", journey.pk),
            "dryRun": api("journey-dry-run", journey.pk),
            "export": api("journey-export", journey.pk),
            "import": api("journey-import"),
            "live": api("journey-live", journey.pk),
            "nodeContacts": api("journey-node-contacts", journey.pk, "__node__"),
            "contacts": api("contacts"),
            "editor": reverse("journeys:detail", args=[0]).replace("/0/", "/__id__/"),
            "galleryJourney": api("gallery-detail", "__key__"),
        },
        # Offered on the empty canvas: start this draft from one of them.
        "gallery": [{"key": t.key, "name": t.name, "description": t.description} for t in gallery.templates()],
        # A draft still named as "New journey" named it ("Untitled journey") takes the name of the
        # ready-made journey it starts from.
        "untitled": journey.name.startswith(str(_("Untitled journey"))),
    }


# Events Flowbuilder records itself, offered in the event pickers before any has happened.
BUILT_IN_EVENTS = ["email_opened", "email_clicked", "email_unsubscribed", "email_resubscribed"]


def _health_links(request: HttpRequest, journey: Journey) -> dict[str, str]:
    """The admin's list of the journey's stuck, retrying and failed enrollments, for those who may open it."""
    if not (request.user.is_staff and request.user.has_perm("journeys.view_enrollment")):
        return {}
    base = reverse("admin:journeys_enrollment_changelist")
    return {kind: f"{base}?journey__id__exact={journey.pk}&health={kind}" for kind in HEALTH_KINDS}


@role_required()
def template_list(request: HttpRequest) -> HttpResponse:
    templates = list(EmailTemplate.objects.prefetch_related("translations").order_by("name"))
    stats = template_stats([t.pk for t in templates])
    names = _language_names()
    rows = [
        {
            "template": t,
            "stats": stats[t.pk],
            "languages": [
                {"code": code, "name": names.get(code, code), "main": code == t.language}
                for code in [t.language, *sorted(tr.language for tr in t.translations.all())]
            ],
        }
        for t in templates
    ]
    return render(request, "journeys/template_list.html", {"section": "templates", "rows": rows})


def _language_names() -> dict[str, str]:
    """Supported languages by code, named in the language of the page (German, Deutsch, Duits…)."""
    return {code: str(get_language_info(code)["name_translated"]) for code, _name in settings.LANGUAGES}


def _editor_context(request: HttpRequest, template: EmailTemplate | None) -> dict[str, Any]:
    """Everything the template editor's script needs, serialised into the page."""
    names = _language_names()
    data = {
        "template": TemplateOutput(template).data if template else None,
        "starters": None
        if template
        else starters_for_editor(
            language=default_language(),
            taken=EmailTemplate.objects.values_list("name", flat=True),
        ),
        "languages": [
            {"code": code, "name": names[code], "native": str(get_language_info(code)["name_local"])}
            for code, _name in settings.LANGUAGES
        ],
        "defaultLanguage": default_language(),
        "defaultSender": dict(zip(("name", "email"), parseaddr(settings.DEFAULT_FROM_EMAIL), strict=True)),
        "onMissing": [{"value": value, "label": str(label)} for value, label in EmailTemplate.OnMissing.choices],
        "report": template_stats([template.pk])[template.pk] if template else None,
        "canEdit": has_role(request.user, Role.MARKETER),
        "sprite": static("build/icons.svg"),
        "userEmail": request.user.email if request.user.is_authenticated else "",
        "urls": {
            "list": reverse("journeys:templates"),
            "save": reverse("api:template", args=[template.pk]) if template else reverse("api:templates"),
            "preview": reverse("api:template-preview", args=[template.pk])
            if template
            else reverse("api:template-preview-unsaved"),
            "testSend": reverse("api:template-test-send", args=[template.pk]) if template else None,
            "variables": reverse("api:template-variables"),
            "contacts": reverse("api:contacts"),
            "outbox": reverse("core:outbox") if settings.EMAIL_IS_LOCAL else None,
        },
    }
    return {"section": "templates", "template": template, "editor_data": data}


@role_required(read=Role.MARKETER)
def template_new(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/template_editor.html", _editor_context(request, None))


@role_required()
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(EmailTemplate.objects.prefetch_related("translations"), pk=pk)
    return render(request, "journeys/template_editor.html", _editor_context(request, template))


@role_required()
def analytics(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/analytics.html", {"section": "analytics"})
