from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from flowbuilder.accounts.roles import Role, role_of


class HasRole(BasePermission):
    """The default API permission: viewers read, marketers write.

    A view may raise the bar with ``read_role`` / ``write_role`` attributes,
    e.g. ``write_role = Role.ADMIN``.
    """

    message: str = gettext_lazy("You do not have permission to do this.")  # type: ignore[assignment]

    def has_permission(self, request: Request, view: Any) -> bool:
        role = role_of(request.user)
        if role is None:
            if request.user.is_authenticated:
                self.message = _("Your account has no role yet. Ask an administrator to give you one.")
            return False
        if request.method in SAFE_METHODS:
            needed: Role = getattr(view, "read_role", Role.VIEWER)
        else:
            needed = getattr(view, "write_role", Role.MARKETER)
        if role.rank < needed.rank:
            self.message = _("This needs the %(role)s role; you are %(current)s.") % {
                "role": needed.label,
                "current": role.label,
            }
            return False
        return True
