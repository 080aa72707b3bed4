"""Writes for users, API keys and write keys."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from flowbuilder.accounts.models import ApiKey, SecretKey, WriteKey, validate_timezone
from flowbuilder.accounts.roles import Role, forget_cached_role
from flowbuilder.core.languages import language_normalise

KEY_PATTERN = re.compile(r"fb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
WRITE_KEY_PATTERN = re.compile(r"wk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
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


def _new_key(model: type[SecretKey]) -> tuple[str, str]:
    """A fresh ``(prefix, key)`` for ``model``: ``<kind>_<12 letters/digits>_<256 random bits>``."""
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return prefix, f"{model.key_kind}_{prefix}_{secrets.token_urlsafe(32)}"


def _last_used_record(row: SecretKey, now: datetime) -> None:
    """Note that ``row`` was used, at most once a minute, so a busy integration does not turn
    every request into a write; conditional, so concurrent requests do not all write."""
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        stale = Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        type(row)._default_manager.filter(stale, pk=row.pk).update(last_used_at=now)
        row.last_used_at = now


def api_key_create(*, user: Any, name: str) -> tuple[ApiKey, str]:
    """Create a key for ``user``. Returns the row and the key in clear, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name, e.g. the system that will use it.")})
    prefix, key = _new_key(ApiKey)
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
    _last_used_record(row, timezone.now())
    return row


def write_key_create(*, name: str, user: Any) -> tuple[WriteKey, str]:
    """Create a write key named ``name``, recording ``user`` as its creator.

    Returns the row and the key in clear, which is never stored: show it once. Raises
    ``ValidationError`` on ``name`` when the name is empty or longer than 100 characters.
    """
    name = name.strip()
    if not name:
        raise ValidationError(
            {"name": _("Give the write key a name, e.g. the app or website that will send data with it.")}
        )
    if len(name) > 100:
        raise ValidationError({"name": _("Keep the name to 100 characters or fewer.")})
    prefix, key = _new_key(WriteKey)
    row = WriteKey.objects.create(name=name, prefix=prefix, key_hash=WriteKey.hash(key), created_by=user)
    return row, key


def write_key_revoke(*, write_key: WriteKey, now: datetime | None = None) -> None:
    """Revoke ``write_key``: data sent with it is refused from now on.

    Revoking twice is harmless and keeps the first revocation time.
    """
    now = now or timezone.now()
    if WriteKey.objects.filter(pk=write_key.pk, revoked_at=None).update(revoked_at=now):
        write_key.revoked_at = now
    else:
        write_key.refresh_from_db(fields=["revoked_at"])


def write_key_authenticate(*, key: str, now: datetime | None = None) -> WriteKey | None:
    """Return the active write key row for ``key``, or ``None`` when it is malformed,
    unknown or revoked.

    One indexed query by prefix; the hash is compared in constant time. When the key was
    last used is recorded at most once a minute, so busy ingestion does not turn every
    request into a write. Who created the key does not matter: it keeps working when
    they are deactivated or deleted.
    """
    match = WRITE_KEY_PATTERN.fullmatch(key)
    if not match:
        return None
    try:
        row = WriteKey.objects.get(prefix=match.group(1), revoked_at=None)
    except WriteKey.DoesNotExist:
        return None
    if not hmac.compare_digest(row.key_hash, WriteKey.hash(key)):
        return None
    _last_used_record(row, now or timezone.now())
    return row
