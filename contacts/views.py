from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from flowbuilder.accounts.access import role_required


@role_required()
def contact_list(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/contact_list.html", {"section": "contacts"})


@role_required()
def segment_list(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/segment_list.html", {"section": "segments"})


@role_required()
def audience_list(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/audience_list.html", {"section": "audiences"})
