"""What journeys add to the contact profile (see ``contacts.profile``): the journeys the contact
went through, step by step, and the emails they sent."""

from __future__ import annotations

from django.http import HttpRequest

from contacts.models import Contact
from contacts.profile import Panel, profile_panel
from journeys.emails.selectors import contact_messages
from journeys.selectors import contact_journeys

MESSAGES_SHOWN = 25
JOURNEYS_SHOWN = 10
STEPS_SHOWN = 40  # per journey: the latest; the API lists more


@profile_panel
def journeys(request: HttpRequest, contact: Contact) -> Panel:
    """The contact's latest journeys, newest first: where they are and why, each step they took
    (the way they went, why a step was skipped) with the email it sent, and the goal. Shown also
    when there are none yet. A handful of queries however many journeys (see the selector)."""
    trace = contact_journeys(contact_id=contact.pk, limit=JOURNEYS_SHOWN, steps_limit=STEPS_SHOWN)
    enrollments = []
    for enrollment in trace.enrollments:
        emails = {email.seq: email for email in enrollment.emails}
        path = [{"step": s, "email": emails.get(s.seq)} for s in enrollment.steps]
        enrollments.append({"trace": enrollment, "path": path})
    return {
        "template": "journeys/contact_journeys_panel.html",
        "context": {"enrollments": enrollments, "more": trace.more},
    }


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
