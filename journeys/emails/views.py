"""Public endpoints emails link to: open pixel, click redirect, unsubscribe (page and one-click)."""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from journeys.emails import tracking
from journeys.emails.services import feedback
from journeys.emails.services.outbox import message_id_of
from journeys.models import OutboundMessage

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _message(token: str, purpose: str) -> tuple[OutboundMessage, int | None]:
    """The message a token names and the link index it carries; 404 for a bad token."""
    value = tracking.read(token, purpose)
    if value is None:
        raise Http404
    public_id, index = value
    message = (
        OutboundMessage.objects.select_related("contact", "template")
        .filter(message_id=message_id_of(public_id))
        .first()
    )
    if message is None:
        raise Http404
    return message, index


@login_not_required
@never_cache
@require_GET
def email_open(request: HttpRequest, token: str) -> HttpResponse:
    message, _index = _message(token, tracking.OPEN)
    feedback.message_opened(message=message)
    return HttpResponse(PIXEL, content_type="image/gif")


@login_not_required
@never_cache
@require_GET
def email_click(request: HttpRequest, token: str) -> HttpResponse:
    message, index = _message(token, tracking.CLICK)
    url = feedback.message_clicked(message=message, index=-1 if index is None else index)
    if url is None:
        raise Http404
    return HttpResponseRedirect(url)


@login_not_required
@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without any session
@never_cache
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a small preference page, which changes nothing (mail scanners fetch every link).
    POST: unsubscribe (one-click from the mail client, or the page's button), or resubscribe
    from the page."""
    message, _index = _message(token, tracking.UNSUBSCRIBE)
    done = ""
    if request.method == "POST":
        if request.POST.get("action") == "resubscribe":
            if feedback.contact_resubscribe(message=message):
                done = "resubscribed"
        else:
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            feedback.contact_unsubscribe(message=message, source="one-click" if one_click else "unsubscribe page")
            if one_click:
                return HttpResponse(status=200)
            done = "unsubscribed"
    contact = message.contact
    # In the language of the email it came from, not whatever the browser (or scanner) asks for.
    with translation.override(message.language or translation.get_language()):
        return render(
            request,
            "journeys/unsubscribe.html",
            {"contact": contact, "done": done, "consent": contact.email_consent if contact else ""},
        )
