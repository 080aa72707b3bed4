"""Pages of the journeys app (until the canvas arrives: a list, the gallery and a read-only view)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts.models import LifecycleStage
from flowbuilder.accounts.access import role_required
from journeys import gallery, services
from journeys.models import Journey
from journeys.nodes import node_type


@role_required()
def journey_list(request: HttpRequest) -> HttpResponse:
    journeys = list(Journey.objects.select_related("live_version").exclude(status=Journey.Status.ARCHIVED))
    stages = {s.key: s.label for s in LifecycleStage.objects.all()}
    rows = [
        {"journey": j, "stages": [stages.get(k, k) for k in (j.settings or {}).get("stages", [])]} for j in journeys
    ]
    return render(
        request,
        "journeys/journey_list.html",
        {"section": "journeys", "rows": rows, "gallery": gallery.templates(), "stage_names": stages},
    )


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
    journey = get_object_or_404(Journey.objects.select_related("live_version"), pk=pk)
    check = services.journey_validate(journey=journey)
    problems: dict[str, list[str]] = {}
    for problem in check.errors:
        problems.setdefault(problem.node_id or "", []).append(problem.message)
    steps = [
        {"node": node, "type": node_type(node["type"]), "problems": problems.get(node["id"], [])}
        for node in journey.draft_graph["nodes"]
    ]
    return render(
        request,
        "journeys/journey_detail.html",
        {
            "section": "journeys",
            "journey": journey,
            "steps": steps,
            "general_problems": problems.get("", []),
            "check": check,
            "versions": journey.versions.select_related("published_by")[:20],
        },
    )


@role_required()
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/template_list.html", {"section": "templates"})


@role_required()
def analytics(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/analytics.html", {"section": "analytics"})
