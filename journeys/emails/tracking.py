"""Signed links in emails: opens, clicks and unsubscribes.

A token is the message's public id (and, for a click, the link's position in the message) with
an HMAC-SHA256 signature keyed from ``SECRET_KEY`` and the link's purpose, so nobody can forge
one for another message or turn an open token into an unsubscribe, and a click only ever
redirects to a URL that appears in that very message (its ``links`` list): never an open
redirect. Tokens signed with a key in ``SECRET_KEY_FALLBACKS`` still work after a key rotation.

Signing is plain ``hmac`` with the derived keys cached rather than ``django.core.signing``:
a marketing email carries a dozen tokens and the outbox writes thousands of emails a second;
``signing.dumps`` (JSON, zlib, a key derivation per call) cost more than rendering the email.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache
from html import unescape

from django.conf import settings
from django.urls import reverse

OPEN = "open"
CLICK = "click"
UNSUBSCRIBE = "unsubscribe"
_PURPOSES = {OPEN: "email:open", CLICK: "email:click", UNSUBSCRIBE: "email:unsubscribe"}
_SIGNATURE_BYTES = 15  # 120 bits, 20 characters in base64
_PLACEHOLDER = "TOKEN"
_PUBLIC_ID = re.compile(r"[0-9a-f]{32}")
# The href of an anchor (not data-href and the like), in either kind of quotes; the value may
# hold the other kind of quote.
_HREF = re.compile(
    r"""(<a\b[^>]*?(?<![\w:-])href\s*=\s*)(?:"\s*(https?://[^"]+)"|'\s*(https?://[^']+)')""", re.IGNORECASE
)
# What browsers drop from a URL before they follow it (WHATWG URL: tabs and line breaks anywhere,
# control characters and spaces at either end); a line break must never reach a Location header.
_URL_TABS_AND_BREAKS = re.compile(r"[\t\n\r]")
_URL_TRIMMED = "".join(chr(code) for code in range(0x21))
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)


@lru_cache(maxsize=16)
def _key(purpose: str, secret: str) -> bytes:
    return hashlib.sha256(f"flowbuilder.email.{purpose}:{secret}".encode()).digest()


def _signature(purpose: str, value: str, secret: str) -> str:
    digest = hmac.digest(_key(purpose, secret), value.encode(), "sha256")[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


def sign(purpose: str, public_id: str, index: int | None = None) -> str:
    """The token for ``public_id`` (and link ``index`` for clicks): ``<id>[.<index>].<signature>``."""
    value = public_id if index is None else f"{public_id}.{index}"
    return f"{value}.{_signature(purpose, value, settings.SECRET_KEY)}"


def read(token: str, purpose: str) -> tuple[str, int | None] | None:
    """``(public_id, index)`` of a valid token (``index`` ``None`` but for clicks); ``None`` for a
    tampered, malformed or other-purpose token."""
    if not token.isascii():  # hmac.compare_digest refuses non-ASCII text
        return None
    value, _dot, signature = token.rpartition(".")
    public_id, _dot, index_text = value.partition(".")
    if not _PUBLIC_ID.fullmatch(public_id) or (purpose == CLICK) != bool(index_text):
        return None
    if index_text and not (index_text.isdigit() and len(index_text) < 6):
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(signature, _signature(purpose, value, secret)) for secret in secrets):
        return None
    return public_id, int(index_text) if index_text else None


@lru_cache(maxsize=8)
def _prefix(purpose: str, site_url: str) -> tuple[str, str]:
    path = reverse(_PURPOSES[purpose], args=[_PLACEHOLDER])
    before, _placeholder, after = path.partition(_PLACEHOLDER)
    return f"{site_url}{before}", after


def url(purpose: str, public_id: str, index: int | None = None) -> str:
    before, after = _prefix(purpose, settings.SITE_URL)
    return f"{before}{sign(purpose, public_id, index)}{after}"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def open_url(public_id: str) -> str:
    return url(OPEN, public_id)


def click_url(public_id: str, index: int) -> str:
    return url(CLICK, public_id, index)


def unsubscribe_url(public_id: str) -> str:
    return url(UNSUBSCRIBE, public_id)


def clean_url(url: str) -> str:
    """``url`` as a browser reads it: without tabs and line breaks, and trimmed."""
    return _URL_TABS_AND_BREAKS.sub("", url).strip(_URL_TRIMMED)


def rewrite_links(html: str, public_id: str, *, skip: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """Route every http(s) link through the click tracker; add the open pixel. Returns (html, links).

    Links that start with one of ``skip`` (the unsubscribe link) stay as they are. ``mailto:``,
    ``tel:`` and relative links are not tracked.
    """
    links: list[str] = []

    def replace(match: re.Match[str]) -> str:
        quote = '"' if match.group(2) is not None else "'"
        target = unescape(match.group(2) if match.group(2) is not None else match.group(3))
        target = clean_url(target)
        if skip and target.startswith(skip):
            return match.group(0)
        links.append(target)
        return f"{match.group(1)}{quote}{click_url(public_id, len(links) - 1)}{quote}"

    html = _HREF.sub(replace, html)
    pixel = f'<img src="{open_url(public_id)}" width="1" height="1" alt="" style="display:block;border:0">'
    closing = [*_BODY_CLOSE.finditer(html)]
    if closing:  # the last one, where the unsubscribe footer goes too
        match = closing[-1]
        html = html[: match.start()] + pixel + html[match.start() :]
    elif html:
        html += pixel
    return html, links
