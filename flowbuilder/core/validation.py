"""Checks for input that JSON allows but databases cannot store."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    """Model-field validator: an IANA time zone name, or empty."""
    if value:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                _("“%(value)s” is not a time zone. Use a name such as Europe/Berlin."),
                code="invalid_timezone",
                params={"value": value},
            ) from None


def storable_text(text: str) -> bool:
    """Whether PostgreSQL can store ``text``: no NUL, and valid Unicode (JSON allows lone
    surrogates such as ``"\\ud800"``, which cannot be encoded)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def nul_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first text (key or value) holding a NUL character, else ``None``.

    PostgreSQL cannot store U+0000 in text or JSONB, so such input must be refused up front
    with the field named, instead of failing in the database.
    """
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return path or child
            if (found := nul_path(item, child)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := nul_path(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None
