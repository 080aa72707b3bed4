from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from flowbuilder.accounts.access import role_required
from flowbuilder.core.health import run_checks
from flowbuilder.core.models import StoredEmail


def home(request: HttpRequest) -> HttpResponse:
    return redirect("journeys:list")


@login_not_required
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Pages without an icon link (Django admin, API docs) make browsers ask for /favicon.ico."""
    return redirect(static("img/favicon.svg"), permanent=True)


@login_not_required
def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """Django admin's login goes to the app's login page, keeping where to return to.

    A logged-in user who lands here is not an admin: tell them, rather than loop
    between the two login pages.
    """
    if request.user.is_authenticated:
        raise PermissionDenied(_("Django admin is for users with the Admin role."))
    target = request.GET.get("next", "/admin/")
    return redirect_to_login(target if url_has_allowed_host_and_scheme(target, None) else "/admin/")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, else 503; the body says which failed and why."""
    results = run_checks()
    healthy = all(r.ok for r in results)
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {r.name: {"ok": r.ok, "ms": r.ms, "detail": r.detail} for r in results},
    }
    return JsonResponse(body, status=200 if healthy else 503)


@role_required()
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """Emails kept by the local mail store, newest first; ``?q=`` searches recipients and subjects."""
    query = request.GET.get("q", "").strip()
    emails = StoredEmail.objects.all()
    if query:
        emails = emails.filter(Q(subject__icontains=query) | Q(to__icontains=query))
    page = Paginator(emails, 50).get_page(request.GET.get("page"))
    return render(request, "core/outbox.html", {"section": "outbox", "page": page, "query": query})


@role_required()
@require_GET
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(StoredEmail, pk=pk)
    return render(request, "core/outbox_message.html", {"section": "outbox", "email": email})
