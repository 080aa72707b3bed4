from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from flowbuilder.accounts import selectors, services
from flowbuilder.accounts.access import role_required
from flowbuilder.accounts.models import ApiKey, WriteKey
from flowbuilder.accounts.roles import Role, has_role, role_of
from flowbuilder.core.languages import language_normalise


@cache
def timezone_names() -> list[str]:
    return sorted(name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith("Etc/"))


def _settings_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "section": "settings",
        "role": role_of(request.user),
        "api_keys": selectors.api_keys_of(user=request.user),
        "languages": settings.LANGUAGES,
        "timezones": timezone_names(),
        "workspace_timezone": settings.TIME_ZONE,
        "preference_errors": {},
        "write_keys": selectors.write_keys_all(),
        "can_manage_write_keys": has_role(request.user, Role.MARKETER),
        "site_url": settings.SITE_URL,
        "ingest_url": f"{settings.SITE_URL}/v1/",
        **extra,
    }


@role_required(read=Role.VIEWER, write=Role.VIEWER)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """Profile, personal API keys and the workspace's write keys.

    A new API key is shown once, in the response to its POST (write keys: ``write_key_create``).
    """
    new_key = None
    errors: list[str] = []
    if request.method == "POST":
        try:
            row, new_key = services.api_key_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(request, _("API key “%(name)s” created.") % {"name": row.name})
    context = _settings_context(
        request, new_key=new_key, errors=errors, name_value=request.POST.get("name", "") if errors else ""
    )
    return render(request, "accounts/settings.html", context, status=400 if errors else 200)


@role_required(read=Role.VIEWER, write=Role.VIEWER)
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Save the language and time zone from the Settings page."""
    try:
        services.user_set_preferences(
            user=request.user,
            language=request.POST.get("language", ""),
            timezone_name=request.POST.get("timezone", "").strip(),
        )
    except ValidationError as exc:
        context = _settings_context(request, preference_errors=exc.message_dict)
        return render(request, "accounts/settings.html", context, status=400)
    response = redirect("accounts:settings")
    _remember_language(response, request.user.language)  # type: ignore[union-attr]
    messages.success(request, _("Preferences saved."))
    return response


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language from the user menu or the login page.

    Logged in, the choice is saved on the user and follows them to every browser; on the
    login page it is kept in a cookie. An empty value goes back to the browser's language.
    """
    value = request.POST.get("language", "")
    try:
        language = language_normalise(value) if value else ""
    except ValidationError as exc:
        return render(request, "400.html", {"exception": exc.messages[0]}, status=400)
    if request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    _remember_language(response, language)
    return response


def _remember_language(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)


@role_required(read=Role.VIEWER, write=Role.VIEWER)
@require_POST
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        row = services.api_key_revoke(user=request.user, key_id=key_id)
    except ApiKey.DoesNotExist:
        raise Http404(_("No such API key.")) from None
    messages.success(request, _("API key “%(name)s” revoked. Requests using it are now refused.") % {"name": row.name})
    return redirect("accounts:settings")


@role_required(read=Role.MARKETER, write=Role.MARKETER)
@require_POST
def write_key_create(request: HttpRequest) -> HttpResponse:
    """Create a write key from the Settings page and show it once, in this response."""
    name = request.POST.get("name", "")
    try:
        row, new_key = services.write_key_create(name=name, user=request.user)
    except ValidationError as exc:
        context = _settings_context(request, write_key_errors=exc.messages, write_key_name_value=name)
        return render(request, "accounts/settings.html", context, status=400)
    messages.success(request, _("Write key “%(name)s” created.") % {"name": row.name})
    return render(request, "accounts/settings.html", _settings_context(request, new_write_key=new_key))


@role_required(read=Role.MARKETER, write=Role.MARKETER)
@require_POST
def write_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    row = get_object_or_404(WriteKey, pk=key_id)
    services.write_key_revoke(write_key=row)
    messages.success(request, _("Write key “%(name)s” revoked. Data sent with it is now refused.") % {"name": row.name})
    return redirect("accounts:settings")
