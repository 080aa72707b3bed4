from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import last_modified, require_GET
from django.views.i18n import JavaScriptCatalog

from flowbuilder.accounts.access import role_required
from flowbuilder.core.health import run_checks
from flowbuilder.core.languages import supported_languages
from flowbuilder.core.models import StoredEmail


def home(request: HttpRequest) -> HttpResponse:
    return redirect("journeys:list")


# A catalogue only changes with a deploy: browsers revalidate against the process start time.
_STARTED_AT = timezone.now()


@login_not_required
@require_GET
@last_modified(lambda request, **kwargs: _STARTED_AT)
@cache_control(no_cache=True)
def javascript_catalog(request: HttpRequest, language: str) -> HttpResponseBase:
    """Django's JavaScript catalogue (domain ``djangojs``) for one language.

    The language is in the URL (base.html asks for the page's language), so a browser never
    reuses one language's cached catalogue for another. Public: the login page needs it too.
    """
    if language not in supported_languages():
        raise Http404(_("No such language."))
    with translation.override(language):
        return JavaScriptCatalog.as_view(domain="djangojs")(request)


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
