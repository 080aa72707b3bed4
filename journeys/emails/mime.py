"""The bytes of an email: RFC 5322 headers and a MIME body, text and HTML alternatives.

Built from the standard library's encoders (``email.header`` for RFC 2047 encoded words and
folding, ``email.utils`` for addresses and dates, ``binascii`` for quoted-printable) rather than
``email.message.EmailMessage``: that class's header registry and generator took 1.5 ms per
message, more than everything else the sender does (bench/emails.py); this takes ~60 µs. Tests
parse what this writes back with ``email``'s strict parser (tests/journeys/emails/test_mime.py).

No header value may hold a line break: ``HeaderInjection`` is raised instead of writing one, so
nothing a contact or template holds can add a header.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache

CRLF = b"\r\n"


class HeaderInjection(ValueError):
    """A header value with a line break (or a NUL) in it."""


def _checked(name: str, value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise HeaderInjection(f"{name} contains a line break")
    return value


@lru_cache(maxsize=256)
def address_header(value: str) -> str:
    """``Name <address>`` with the name RFC 2047-encoded when it is not ASCII."""
    name, address = parseaddr(_checked("address", value))
    if not address:
        raise HeaderInjection(f"not an address: {value!r}")
    return formataddr((name, address), charset="utf-8")


def text_header(name: str, value: str) -> str:
    """The value as is when it is ASCII (lines may reach 998 characters; subjects are capped
    at that), else RFC 2047 encoded words in UTF-8, folded."""
    _checked(name, value)
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _part(content_type: str, body: str) -> bytes:
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(text.encode(), quotetabs=False, istext=True, header=False)
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'.encode()
        + encoded.replace(b"\n", CRLF)
        + CRLF
    )


def message_bytes(
    *,
    from_email: str,
    to: str,
    subject: str,
    message_id: str,
    text: str,
    html: str = "",
    reply_to: str = "",
    headers: Iterable[tuple[str, str]] = (),
    date: str | None = None,
) -> bytes:
    """The whole message, CRLF line endings, ready for ``smtplib.SMTP.sendmail``."""
    lines = [
        f"From: {address_header(from_email)}",
        f"To: {address_header(to)}",
        f"Subject: {text_header('Subject', subject)}",
        f"Date: {date or formatdate(localtime=False)}",
        f"Message-ID: {_checked('Message-ID', message_id)}",
    ]
    if reply_to:
        lines.append(f"Reply-To: {address_header(reply_to)}")
    for name, value in headers:
        if not name.replace("-", "").isalnum() or not name.isascii():
            raise HeaderInjection(f"not a header name: {name!r}")
        lines.append(f"{name}: {text_header(name, value)}")
    lines.append("MIME-Version: 1.0")
    head = "\r\n".join(lines).encode() + CRLF
    if not html:
        return head + _part("text/plain", text)
    boundary = f"=_flowbuilder_{_checked('Message-ID', message_id).strip('<>').split('@')[0]}"
    return (
        head
        + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
        + f"--{boundary}\r\n".encode()
        + _part("text/plain", text)
        + f"--{boundary}\r\n".encode()
        + _part("text/html", html)
        + f"--{boundary}--\r\n".encode()
    )
