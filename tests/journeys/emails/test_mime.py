"""The bytes the sender writes are a correct email: Python's own parser reads back every header
and both bodies exactly, whatever the language, and no value can add a header."""

from __future__ import annotations

import email
import email.policy

import pytest

from journeys.emails.mime import HeaderInjection, message_bytes

HTML = "<p>Grüße, Jürgen! = 100 % ✓</p>\n" + "<p>" + "lang " * 100 + "</p>\n.\n.starts with a dot\n"
TEXT = "Grüße, Jürgen!\r\nZeile zwei\n\nNach einer Leerzeile. " + "x" * 200


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.strict)


def build(**overrides):
    fields = {
        "from_email": "Café Ünter <hello@shop.example.com>",
        "to": "kim@example.com",
        "subject": "Willkommen, Jürgen – dein Rabatt von 15 % wartet auf dich! " * 3,
        "message_id": "<0123456789abcdef0123456789abcdef@flowbuilder.mail>",
        "text": TEXT,
        "html": HTML,
        "reply_to": "team@shop.example.com",
        "headers": [("List-Unsubscribe", "<https://flow.example.com/u/" + "a" * 120 + "/>")],
    }
    return build_raw({**fields, **overrides})


def build_raw(fields):
    return message_bytes(**fields)


def test_headers_and_bodies_read_back_exactly():
    data = build()
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    message = parse(data)
    assert message["From"].addresses[0].display_name == "Café Ünter"
    assert message["From"].addresses[0].addr_spec == "hello@shop.example.com"
    assert message["To"] == "kim@example.com"
    assert message["Subject"] == "Willkommen, Jürgen – dein Rabatt von 15 % wartet auf dich! " * 3
    assert message["Message-ID"] == "<0123456789abcdef0123456789abcdef@flowbuilder.mail>"
    assert message["Reply-To"] == "team@shop.example.com"
    assert message["List-Unsubscribe"] == "<https://flow.example.com/u/" + "a" * 120 + "/>"
    assert message["Date"].datetime is not None
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # On the wire every line ends in CRLF; the content is otherwise exactly what was given.
    assert plain.get_content() == TEXT.replace("\r\n", "\n").replace("\n", "\r\n")
    assert html.get_content() == HTML.replace("\n", "\r\n")
    assert not message.defects
    assert not plain.defects
    assert not html.defects


def test_a_text_only_message_is_a_single_part():
    message = parse(build(html=""))
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == TEXT.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n"


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"subject": "Hi\nBcc: victim@example.com"},
        {"from_email": "Shop\n <x@example.com>"},
        {"to": "kim@example.com\r\nBcc: victim@example.com"},
        {"reply_to": "a@example.com\nX-Evil: 1"},
        {"headers": [("X-Evil\r\nBcc", "x")]},
        {"headers": [("List-Unsubscribe", "<https://x>\r\nBcc: y@example.com")]},
    ],
)
def test_no_value_can_add_a_header(overrides):
    with pytest.raises(HeaderInjection):
        build(**overrides)
