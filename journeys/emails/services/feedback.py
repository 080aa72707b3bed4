"""What happens to an email after it left: opens, clicks, unsubscribes, resubscribes, bounces and
complaints. Each is recorded on the message (``MessageEvent``), as a consent change where it
changes consent, and as an event on the contact (``email_opened``…), so segments, conditions and
goals can use it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from contacts.services.contacts import consent_set
from contacts.services.events import events_record
from journeys.emails import tracking
from journeys.models import MessageEvent, OutboundMessage


def _message_event(
    message: OutboundMessage, kind: str, *, url: str = "", detail: str = "", now: datetime | None = None
) -> MessageEvent:
    return MessageEvent.objects.create(
        message=message, kind=kind, url=url[:2000], detail=detail[:500], occurred_at=now or timezone.now()
    )


def _message_properties(message: OutboundMessage) -> dict[str, Any]:
    """What an event on the contact says about the email: which one, its template, and (from a
    journey) the journey and step that sent it."""
    props: dict[str, Any] = {
        "message_id": message.message_id,
        "template": message.template.name if message.template else None,
        "template_id": message.template_id,
    }
    if message.journey_id:
        props.update({"journey_id": message.journey_id, "node_id": message.node_id})
    return props


def _locked_contact(message: OutboundMessage) -> Contact | None:
    """The message's contact as stored now, locked until the transaction ends, and put on the
    message: a consent change decides on what is stored, not on what was read earlier, and two
    at once (mail clients and scanners repeat a one-click POST) record one change."""
    if message.contact_id is None:
        return None
    contact = Contact.objects.select_for_update().filter(pk=message.contact_id).first()
    message.contact = contact
    return contact


def _contact_event(message: OutboundMessage, name: str, properties: dict[str, Any], now: datetime) -> None:
    if message.contact_id is None:
        return
    events_record(
        items=[
            {
                "contact_id": message.contact_id,
                "name": name,
                "properties": {**_message_properties(message), **properties},
            }
        ],
        source="email",
        now=now,
    )


@transaction.atomic
def message_opened(*, message: OutboundMessage, now: datetime | None = None) -> None:
    now = now or timezone.now()
    _message_event(message, MessageEvent.Kind.OPENED, now=now)
    _contact_event(message, "email_opened", {}, now)


@transaction.atomic
def message_clicked(*, message: OutboundMessage, index: int, now: datetime | None = None) -> str | None:
    """Record a click on link ``index`` and return where it goes; ``None`` if the message has no such link."""
    if not 0 <= index < len(message.links):
        return None
    now = now or timezone.now()
    url = tracking.clean_url(str(message.links[index]))  # stored before links were cleaned: no header injection
    _message_event(message, MessageEvent.Kind.CLICKED, url=url, now=now)
    _contact_event(message, "email_clicked", {"url": url}, now)
    return url


@transaction.atomic
def contact_unsubscribe(*, message: OutboundMessage, source: str, now: datetime | None = None) -> bool:
    """Unsubscribe the message's contact from marketing email. Returns whether that changed anything.

    Only a subscribed contact changes: a bounced or complained contact gets no marketing email
    already, and turning them into "unsubscribed" would let the preference page subscribe them
    again.
    """
    contact = _locked_contact(message)
    if contact is None or contact.email_consent != Contact.Consent.SUBSCRIBED:
        return False
    now = now or timezone.now()
    changed = consent_set(contact=contact, consent=Contact.Consent.UNSUBSCRIBED, source=source, now=now)
    if changed:
        _message_event(message, MessageEvent.Kind.UNSUBSCRIBED, detail=source, now=now)
        _contact_event(message, "email_unsubscribed", {"source": source}, now)
    return changed


@transaction.atomic
def contact_resubscribe(*, message: OutboundMessage, now: datetime | None = None) -> bool:
    """Subscribe the message's contact again, from the preference page. Returns whether it did:
    only contacts who unsubscribed themselves can; bounced and complained addresses stay
    suppressed."""
    contact = _locked_contact(message)
    if contact is None or contact.email_consent != Contact.Consent.UNSUBSCRIBED:
        return False
    now = now or timezone.now()
    consent_set(contact=contact, consent=Contact.Consent.SUBSCRIBED, source="preference page", now=now)
    _contact_event(message, "email_resubscribed", {}, now)
    return True


def _message_id(value: str) -> str:
    """A Message-ID as we store it, ``<…@…>``: providers often report it without the brackets."""
    value = value.strip()
    return value if not value or value.startswith("<") else f"<{value}>"


@transaction.atomic
def delivery_problem(
    *,
    kind: str,
    email: str,
    message_id: str = "",
    permanent: bool = True,
    reason: str = "",
    now: datetime | None = None,
) -> bool:
    """A bounce or complaint reported by the mail provider (or the SMTP server).

    Hard bounces and complaints suppress the address (consent ``bounced``/``complained``: no more
    marketing email; a bounce leaves a complaint as it is); soft bounces are recorded only. With
    the ``message_id`` of one of our emails, the problem is recorded on that message (a hard
    bounce marks it bounced) and the contact is the message's. Returns whether a contact was
    found; nothing is recorded on a contact otherwise.
    """
    now = now or timezone.now()
    message_id = _message_id(message_id)
    message = (
        OutboundMessage.objects.select_related("contact", "template").filter(message_id=message_id).first()
        if message_id
        else None
    )
    contact = _locked_contact(message) if message and message.contact_id else None
    if contact is None:
        contact = Contact.objects.select_for_update().filter(email=email.strip().lower()).first()
    if message is not None:
        _message_event(
            message,
            MessageEvent.Kind.COMPLAINED if kind == "complaint" else MessageEvent.Kind.BOUNCED,
            detail=reason,
            now=now,
        )
        if kind == "bounce" and permanent:
            OutboundMessage.objects.filter(pk=message.pk).update(
                status=OutboundMessage.Status.BOUNCED, last_error=reason[:2000]
            )
    if contact is None:
        return False
    if kind == "complaint":
        consent_set(contact=contact, consent=Contact.Consent.COMPLAINED, source="complaint", now=now)
    elif permanent and contact.email_consent != Contact.Consent.COMPLAINED:
        consent_set(contact=contact, consent=Contact.Consent.BOUNCED, source="hard bounce", now=now)
    properties: dict[str, Any] = {"message_id": message_id, "reason": reason[:300]}
    if message is not None:
        properties.update(_message_properties(message))
    if kind != "complaint":
        properties["permanent"] = permanent
    events_record(
        items=[
            {
                "contact_id": contact.pk,
                "name": "email_complained" if kind == "complaint" else "email_bounced",
                "properties": properties,
            }
        ],
        source="email",
        now=now,
    )
    return True
