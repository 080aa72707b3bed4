"""The email channel's test world: contacts built through the real services, a template, and a
real SMTP server (aiosmtpd on a free loopback port) that keeps what it receives and can be told
to answer a recipient with a temporary (4xx) or permanent (5xx) failure."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from contacts.services.contacts import contact_upsert
from journeys.emails.services.templates import template_save

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

WELCOME_HTML = """<!doctype html>
<html><head><style>p.lead { color: #333366; font-size: 18px; }</style></head>
<body>
<p class="lead">Hi {{ contact.first_name | default("there") }},</p>
<p>Your plan: {{ contact.attributes.plan | default("free") }}.</p>
<p><a href="https://shop.example.com/start?utm_source=email&amp;step=1">Get started</a></p>
<p><a href="mailto:help@shop.example.com">Write to us</a></p>
</body></html>"""


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    peer: Any  # the client's (address, port): one per SMTP connection

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    # recipient → the SMTP answer to RCPT TO, e.g. "450 4.2.1 Mailbox busy" or "550 5.1.1 No such user"
    answers: dict[str, str] = field(default_factory=dict)
    data_answer: str = ""  # answer DATA with this instead of accepting
    mail_answer: str = ""  # answer MAIL FROM with this instead of accepting
    port: int = 0  # where it listens

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.mail_answer:
            return self.mail_answer
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        answer = self.answers.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_answer:
            return self.data_answer
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, session.peer))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Handler]:
    """A real SMTP server on loopback; the app's settings point at it for the test."""
    handler = Handler()
    handler.port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.EMAIL_IS_LOCAL = False
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_contact(db: None) -> Callable[..., Any]:
    """``make_contact("kim@example.com", first_name="Kim", locale="de", ...)`` through contact_upsert."""

    def make(address: str | None = "kim@example.com", **data: Any) -> Any:
        contact, _created = contact_upsert(email=address, data=data, now=NOW)
        return contact

    return make


@pytest.fixture
def make_template(db: None) -> Callable[..., Any]:
    """``make_template(name="Welcome", subject=..., html_body=..., translations={...})``."""

    def make(*, translations: dict[str, dict[str, str]] | None = None, **data: Any) -> Any:
        values = {
            "name": "Welcome",
            "subject": "Welcome, {{ contact.first_name | default('there') }}!",
            "preheader": "Good to have you here",
            "html_body": WELCOME_HTML,
            "sender_name": "Shop",
            "sender_email": "hello@shop.example.com",
            **data,
        }
        return template_save(data=values, translations=translations)

    return make


@pytest.fixture
def welcome(make_template: Callable[..., Any]) -> Any:
    return make_template()


@pytest.fixture
def kim(make_contact: Callable[..., Any]) -> Any:
    return make_contact("kim@example.com", first_name="Kim")


@pytest.fixture
def sent(kim: Any, welcome: Any, now: datetime) -> Any:
    """The Welcome email, queued for Kim and delivered (to the local outbox unless a test's
    ``smtp_server`` is running)."""
    from journeys.emails import sender
    from journeys.emails.services.outbox import QueueItem, messages_queue
    from journeys.models import OutboundMessage

    (row,) = messages_queue(items=[QueueItem(contact=kim, template=welcome)], now=now)
    sender.messages_send(now=now)
    return OutboundMessage.objects.get(message_id=row.message_id)


@pytest.fixture
def welcome_journey(welcome: Any) -> tuple[Any, Any]:
    """A published journey (signed_up → send Welcome → exit) and its version; the step is "mail"."""
    from journeys.services import journey_create, journey_publish

    graph = {
        "nodes": [
            {
                "id": "t",
                "type": "trigger",
                "config": {"kind": "event", "event": "signed_up"},
                "position": {"x": 0, "y": 0},
            },
            {"id": "mail", "type": "send_email", "config": {"template": welcome.pk}, "position": {"x": 0, "y": 100}},
            {"id": "end", "type": "exit", "config": {}, "position": {"x": 0, "y": 200}},
        ],
        "edges": [
            {"id": "a", "source": "t", "sourceHandle": None, "target": "mail"},
            {"id": "b", "source": "mail", "sourceHandle": None, "target": "end"},
        ],
    }
    journey = journey_create(name="Welcome series", graph=graph)
    version, _plan = journey_publish(journey=journey)
    return journey, version
