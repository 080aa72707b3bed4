"""Roles: who may do what.

Three roles, each a Django group created by migration ``0001``:

* **viewer** reads everything in the app and the API, changes nothing;
* **marketer** also builds and publishes journeys and manages contacts, segments,
  audiences and templates;
* **admin** may do everything, including Django admin at ``/admin/``.

Roles are ranked; a check asks for a minimum role (``has_role(user, Role.MARKETER)``).
A superuser counts as admin. A user in no role group can log in but is refused
everywhere with a message telling them to ask an admin.

Group permissions (used by Django admin) are derived, not stored by hand: after
every ``migrate`` :func:`sync_group_permissions` gives admins every permission,
marketers every permission on the domain apps in :data:`MARKETER_APPS`, and viewers
the ``view_*`` permissions on those apps. Membership of the admin group also
keeps ``is_staff`` in step (:func:`sync_staff_flag`), so Django admin opens to
admins and only to them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

MARKETER_APPS = ("contacts", "journeys")
VIEWER_EXTRA_APPS = ("core",)


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    MARKETER = "marketer", _("Marketer")
    ADMIN = "admin", _("Admin")

    @property
    def rank(self) -> int:
        return list(Role).index(self) + 1


_CACHE_ATTR = "_flowbuilder_role"


def role_of(user: Any) -> Role | None:
    """Return the highest role of ``user``, or ``None`` for anonymous, inactive or role-less users.

    The answer is cached on the user object for the rest of the request.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if hasattr(user, _CACHE_ATTR):
        cached: Role | None = getattr(user, _CACHE_ATTR)
        return cached
    role: Role | None = None
    if user.is_superuser:
        role = Role.ADMIN
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = next((r for r in reversed(Role) if r.value in names), None)
    setattr(user, _CACHE_ATTR, role)
    return role


def has_role(user: Any, minimum: Role) -> bool:
    """True when ``user`` holds ``minimum`` or a higher role."""
    role = role_of(user)
    return role is not None and role.rank >= minimum.rank


def forget_cached_role(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def sync_group_permissions(**kwargs: Any) -> None:
    """post_migrate: create the role groups if missing and derive their permissions."""
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    everything = Permission.objects.all()
    domain = everything.filter(content_type__app_label__in=MARKETER_APPS)
    viewable = everything.filter(
        content_type__app_label__in=MARKETER_APPS + VIEWER_EXTRA_APPS, codename__startswith="view_"
    )
    groups[Role.ADMIN].permissions.set(everything)
    groups[Role.MARKETER].permissions.set(domain | viewable)
    groups[Role.VIEWER].permissions.set(viewable)


def sync_staff_flag(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    """m2m_changed on User.groups: admins (and superusers) are staff, nobody else is."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if reverse:  # group.user_set changed: instance is the group
        users = User.objects.filter(pk__in=pk_set) if pk_set else User.objects.none()
        if action == "post_clear":
            users = User.objects.filter(is_staff=True, is_superuser=False)
    else:
        users = User.objects.filter(pk=instance.pk)
    admins = users.filter(groups__name=Role.ADMIN.value)
    admins.update(is_staff=True)
    users.exclude(pk__in=admins.values("pk")).filter(is_superuser=False).update(is_staff=False)
    if not reverse:
        forget_cached_role(instance)
        instance.refresh_from_db(fields=["is_staff"])
