"""How API requests authenticate: personal API keys for ``/api/v1``, write keys for ``/v1`` ingest."""

from __future__ import annotations

import base64
from typing import Any

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
