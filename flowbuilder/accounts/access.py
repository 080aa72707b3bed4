"""Role checks for pages (the API has ``permissions.HasRole``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from flowbuilder.accounts.roles import Role, role_of


def require_role(request: HttpRequest, minimum: Role) -> None:
    """Raise PermissionDenied (rendered as the 403 page) unless the user holds ``minimum``."""
    role = role_of(request.user)
    if role is None:
        raise PermissionDenied(_("Your account has no role yet. Ask an administrator to give you one."))
    if role.rank < minimum.rank:
        raise PermissionDenied(
            _("This needs the %(role)s role; you are %(current)s.") % {"role": minimum.label, "current": role.label}
        )


ViewFunc = Callable[..., HttpResponse]


def role_required(read: Role = Role.VIEWER, write: Role = Role.MARKETER) -> Callable[[ViewFunc], ViewFunc]:
    """Decorator for page views: GET/HEAD need ``read``, other methods (POST…) need ``write``."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_role(request, read if request.method in ("GET", "HEAD", "OPTIONS") else write)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
