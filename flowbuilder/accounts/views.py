from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from flowbuilder.accounts import selectors, services
from flowbuilder.accounts.access import role_required
from flowbuilder.accounts.models import ApiKey
from flowbuilder.accounts.roles import Role, role_of


@role_required(read=Role.VIEWER, write=Role.VIEWER)
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    """Profile and personal API keys. A new key is shown once, in the response to its POST."""
    new_key = None
    errors: list[str] = []
    if request.method == "POST":
        try:
            row, new_key = services.api_key_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            errors = [str(m) for m in exc.messages]
        else:
            messages.success(request, _("API key “%(name)s” created.") % {"name": row.name})
    return render(
        request,
        "accounts/settings.html",
        {
            "section": "settings",
            "role": role_of(request.user),
            "api_keys": selectors.api_keys_of(user=request.user),
            "new_key": new_key,
            "errors": errors,
            "name_value": request.POST.get("name", "") if errors else "",
        },
        status=400 if errors else 200,
    )


@role_required(read=Role.VIEWER, write=Role.VIEWER)
@require_POST
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    try:
        row = services.api_key_revoke(user=request.user, key_id=key_id)
    except ApiKey.DoesNotExist:
        raise Http404(_("No such API key.")) from None
    messages.success(request, _("API key “%(name)s” revoked. Requests using it are now refused.") % {"name": row.name})
    return redirect("accounts:settings")
