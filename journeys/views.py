from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from flowbuilder.accounts.access import role_required


@role_required()
def journey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/journey_list.html", {"section": "journeys"})


@role_required()
def template_list(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/template_list.html", {"section": "templates"})


@role_required()
def analytics(request: HttpRequest) -> HttpResponse:
    return render(request, "journeys/analytics.html", {"section": "analytics"})
