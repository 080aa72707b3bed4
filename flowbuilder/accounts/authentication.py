"""How API requests authenticate: personal API keys for ``/api/v1``, write keys for ``/v1`` ingest."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from flowbuilder.accounts.models import WriteKey
from flowbuilder.accounts.services import api_key_authenticate, write_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer fb_…`` with a personal API key from Settings → API keys."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed(_("The Authorization header has no API key after 'Bearer'."))
        row = api_key_authenticate(key=key)
        if row is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or has been revoked."))
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class WriteKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Basic base64("<write key>:")``, as Segment's and RudderStack's SDKs send it.

    The write key is the Basic username; a password, if any, is ignored. A write key acts as
    no user: a successful authentication returns ``(AnonymousUser(), write_key_row)``, so
    ``request.user.is_authenticated`` is False and ingest views must check that
    ``isinstance(request.auth, WriteKey)``. Use this class only on the ``/v1`` ingest views;
    it is not in ``DEFAULT_AUTHENTICATION_CLASSES``, so write keys open nothing else, and
    personal API keys (``Bearer``) are not accepted by it.

    No Basic header: ``None`` (not attempted). A Basic header without an active write key:
    ``AuthenticationFailed`` (401).
    """

    keyword = "Basic"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.strip().partition(" ")[0].lower() != self.keyword.lower():
            return None
        row = write_key_from_header(header)
        if row is None:
            raise exceptions.AuthenticationFailed(_("This write key is not valid or has been revoked."))
        return AnonymousUser(), row

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="ingest"'


def write_key_from_request(request: HttpRequest) -> WriteKey | None:
    """The active write key in the request's ``Authorization: Basic`` header, for plain Django views.

    ``None`` when there is no such header, when it is malformed (not Basic, not base64, not
    UTF-8) or when the key is unknown or revoked; the view then answers 401.
    """
    return write_key_from_header(request.META.get("HTTP_AUTHORIZATION", ""))


def write_key_from_header(header: str) -> WriteKey | None:
    """The active write key that is the username of a Basic ``Authorization`` header value, or ``None``."""
    scheme, _space, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
        return None
    username = decoded.partition(":")[0]
    return write_key_authenticate(key=username) if username else None
