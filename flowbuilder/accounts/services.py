"""Writes for users and API keys."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flowbuilder.accounts.models import ApiKey, validate_timezone
from flowbuilder.accounts.roles import Role, forget_cached_role
from flowbuilder.core.languages import language_normalise

KEY_PATTERN = re.compile(r"fb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def user_set_role(*, user: Any, role: Role | None) -> None:
    """Put ``user`` in exactly one role group (or none). Admins become staff (Django admin)."""
    role_groups = Group.objects.filter(name__in=[r.value for r in Role])
    user.groups.remove(*role_groups)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    forget_cached_role(user)


def user_set_preferences(*, user: Any, language: str, timezone_name: str) -> None:
    """Save ``user``'s language and time zone; empty strings mean "browser" and "workspace".

    Raises ``ValidationError`` naming the field when a value is not supported.
    """
    errors: dict[str, list[str]] = {}
    if language:
        try:
            language = language_normalise(language)
        except ValidationError as exc:
            errors["language"] = exc.messages
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        errors["timezone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.language, user.timezone = language, timezone_name
    user.save(update_fields=["language", "timezone"])


def api_key_create(*, user: Any, name: str) -> tuple[ApiKey, str]:
    """Create a key for ``user``. Returns the row and the key in clear, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name, e.g. the system that will use it.")})
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    key = f"fb_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(user=user, name=name[:100], prefix=prefix, key_hash=ApiKey.hash(key))
    return row, key


def api_key_revoke(*, user: Any, key_id: int) -> ApiKey:
    """Revoke one of ``user``'s keys; revoking twice is harmless. Raises ApiKey.DoesNotExist."""
    row = ApiKey.objects.get(pk=key_id, user=user)
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """Return the active key row for ``key`` (its user active too), or ``None``.

    Records when the key was last used, at most once a minute so a busy integration
    does not turn every request into a write.
    """
    match = KEY_PATTERN.fullmatch(key)
    if not match:
        return None
    row = ApiKey.objects.select_related("user").filter(prefix=match.group(1), revoked_at=None).first()
    if row is None or not row.user.is_active or not hmac.compare_digest(row.key_hash, ApiKey.hash(key)):
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row
