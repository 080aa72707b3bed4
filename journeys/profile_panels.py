"""What journeys add to the contact profile (see ``contacts.profile``): the emails they sent."""

from __future__ import annotations

from django.http import HttpRequest

from contacts.models import Contact
from contacts.profile import Panel, profile_panel
from journeys.emails.selectors import contact_messages

MESSAGES_SHOWN = 25


@profile_panel
def emails(request: HttpRequest, contact: Contact) -> Panel:
    """The contact's latest emails: subject, template, journey, status (with why one was not
    sent), when, and whether it was opened or clicked. Shown also when there are none yet."""
    messages = list(contact_messages(contact.pk, limit=MESSAGES_SHOWN + 1))
    return {
        "template": "journeys/contact_emails_panel.html",
        "context": {
            "messages": messages[:MESSAGES_SHOWN],
            "more": len(messages) > MESSAGES_SHOWN,
        },
    }
