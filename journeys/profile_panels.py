"""What journeys add to the contact profile (see ``contacts.profile``): the emails they sent."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from contacts.models import Contact
from contacts.profile import Panel, profile_panel
from journeys.emails.selectors import contact_messages
from journeys.models import OutboundMessage

MESSAGES_SHOWN = 25


@dataclass(frozen=True)
class MessageRow:
    message: OutboundMessage
    subject: str


def _subject(message: OutboundMessage) -> str:
    """The subject to show: a message skipped before it was rendered (the contact may not get
    marketing email) holds the template's subject source, which is no subject; show none."""
    if message.status == OutboundMessage.Status.SKIPPED and ("{{" in message.subject or "{%" in message.subject):
        return ""
    return message.subject


@profile_panel
def emails(request: HttpRequest, contact: Contact) -> Panel:
    """The contact's latest emails: subject, template, journey, status (with why one was not
    sent), when, and whether it was opened or clicked. Shown also when there are none yet."""
    messages = list(contact_messages(contact.pk, limit=MESSAGES_SHOWN + 1))
    return {
        "template": "journeys/contact_emails_panel.html",
        "context": {
            "messages": [MessageRow(message, _subject(message)) for message in messages[:MESSAGES_SHOWN]],
            "more": len(messages) > MESSAGES_SHOWN,
        },
    }
