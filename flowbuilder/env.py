"""Typed readers for the environment variables that configure Flowbuilder.

Every reader takes the variable's name and a default, returns a typed value, and
raises ``ImproperlyConfigured`` with a message that names the variable and shows
what was wrong when the value cannot be used. Settings call these at import time,
so a bad value stops the process before it serves anything.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Reads variables from a mapping (``os.environ`` unless told otherwise)."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self.source = os.environ if source is None else source

    def raw(self, name: str) -> str | None:
        """The stripped value; an empty value counts as unset, so ``VAR=`` means "the default"."""
        value = self.source.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def is_set(self, name: str) -> bool:
        return bool(self.raw(name))

    def fail(self, name: str, value: str, expected: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{name}={value!r} is not valid: expected {expected}.")

    def get_str(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else value

    def get_bool(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise self.fail(name, value, "one of true/false, 1/0, yes/no, on/off")

    def get_int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise self.fail(name, value, "a whole number") from None
        if minimum is not None and number < minimum:
            raise self.fail(name, value, f"a whole number of at least {minimum}")
        return number

    def get_list(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def timezone(self, name: str, default: str) -> str:
        value = self.get_str(name, default)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise self.fail(name, value, "an IANA time zone name such as 'Europe/Berlin'") from None
        return value

    def choice(self, name: str, default: str, choices: list[str]) -> str:
        value = self.get_str(name, default)
        if value not in choices:
            raise self.fail(name, value, "one of " + ", ".join(choices))
        return value

    def rate(self, name: str, default: str) -> str:
        """A throttle rate such as ``600/min`` (periods: s, min, hour, day)."""
        value = self.get_str(name, default)
        if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
            raise self.fail(name, value, "a rate such as 600/min (per s, min, hour or day)")
        return value

    def url(self, name: str, default: str) -> str:
        """An absolute http(s) URL without a trailing slash, e.g. https://flow.example.com."""
        value = self.get_str(name, default).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise self.fail(name, value, "an http:// or https:// address such as https://flow.example.com")
        return value

    def currency(self, name: str, default: str) -> str:
        """An ISO 4217 currency code such as EUR, SEK or USD."""
        from babel.numbers import is_currency

        value = self.get_str(name, default).upper()
        if not is_currency(value):
            raise self.fail(name, value, "an ISO 4217 currency code such as EUR, SEK or USD")
        return value

    def database(self, name: str, default: str) -> dict[str, Any]:
        """Return a ``DATABASES['default']`` dict for a ``sqlite:///`` or ``postgres://`` URL."""
        import dj_database_url

        value = self.get_str(name, default)
        scheme = urlsplit(value).scheme
        if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
            raise self.fail(name, value, "a sqlite:///path or postgres://user@host:port/name URL")
        try:
            config: dict[str, Any] = dict(dj_database_url.parse(value))
        except (ValueError, KeyError) as exc:
            raise self.fail(name, value, f"a database URL ({exc})") from None
        if scheme != "sqlite" and not config.get("NAME"):
            raise self.fail(name, value, "a PostgreSQL URL that names a database after the last /")
        return config

    def redis_url(self, name: str) -> str | None:
        value = self.get_str(name)
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise self.fail(name, value, "a redis://host:port/db or rediss:// URL")
        try:
            parts.port  # noqa: B018 - raises ValueError on a non-numeric port
        except ValueError:
            raise self.fail(name, value, "a redis:// URL with a numeric port") from None
        return value

    def email(self, name: str) -> EmailConfig:
        """Parse ``EMAIL_URL``; unset means the in-app outbox (nothing leaves the machine)."""
        value = self.get_str(name)
        if not value:
            return EmailConfig(backend="flowbuilder.core.mail.StoredEmailBackend")
        parts = urlsplit(value)
        schemes = {"smtp": (False, False), "smtp+tls": (True, False), "smtps": (False, True)}
        if parts.scheme not in schemes or not parts.hostname:
            raise self.fail(name, value, "smtp://, smtp+tls:// (STARTTLS) or smtps:// (TLS) with a host")
        try:
            port = parts.port
        except ValueError:
            raise self.fail(name, value, "an SMTP URL with a numeric port") from None
        use_tls, use_ssl = schemes[parts.scheme]
        query = parse_qs(parts.query)
        timeout_text = query.get("timeout", ["10"])[0]
        if not timeout_text.isdigit():
            raise self.fail(name, value, "an SMTP URL whose ?timeout= is a whole number of seconds")
        return EmailConfig(
            backend="django.core.mail.backends.smtp.EmailBackend",
            host=parts.hostname,
            port=port or (465 if use_ssl else 587 if use_tls else 25),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_tls=use_tls,
            use_ssl=use_ssl,
            timeout=int(timeout_text),
        )


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int = 10
