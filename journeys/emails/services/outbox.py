"""The outbox: every email is first a row of ``OutboundMessage``, rendered and ready, and the
sender (``sender.py``) delivers it afterwards.

- ``messages_queue``: marketing email, usually a journey's send step. Called inside the step's
  transaction; unique per (enrollment, step number), so a step that runs twice queues nothing twice.
- ``message_test_send``: a test send from the editor (not tracked, no unsubscribe).
- ``notify_queue``: plain-text email to colleagues (the notify step), whatever their consent.

Rendering is batched: each template and language is compiled once per call, the translations
and stage names are read once, and on PostgreSQL the rows go in with one ``COPY``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import formataddr, parseaddr
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Contact
from flowbuilder.core.languages import language_normalise
from flowbuilder.core.sql import rows_for_ids
from journeys.emails import tracking
from journeys.emails.rendering import Locale, Record, Rendered, TemplateRefused, compile_part, render, render_part
from journeys.emails.services.templates import (
    StageNames,
    TemplateVersions,
    contact_locale,
    render_context,
    template_preview,
    workspace_locale,
)
from journeys.models import EmailTemplate, Journey, JourneyVersion, OutboundMessage

MESSAGE_DOMAIN = "flowbuilder.mail"


@dataclass
class QueueItem:
    """One marketing email to queue: who, which template, and (from a journey) where it comes
    from; ``sender_*`` and ``subject`` override the template's (the subject may use Jinja too)."""

    contact: Contact
    template: EmailTemplate
    enrollment_id: int | None = None  # an id, not a row: a batch of 1,000 needs no 1,000 model objects
    journey: Journey | None = None
    version: JourneyVersion | None = None
    node_id: str = ""
    seq: int = 0  # the enrollment's step number: unique per enrollment
    event: Mapping[str, Any] = field(default_factory=dict)
    sender_name: str = ""
    sender_email: str = ""
    subject: str = ""


def message_id_of(public_id: str) -> str:
    """The ``Message-ID`` header of the message with this public id."""
    return f"<{public_id}@{MESSAGE_DOMAIN}>"


def _public_id() -> str:
    return uuid.uuid4().hex


def _from_header(name: str, address: str) -> str:
    return formataddr((" ".join(name.split()), address)) if name.strip() else address


@lru_cache(maxsize=4)
def _parsed(from_email: str) -> tuple[str, str]:
    name, address = parseaddr(from_email)
    return name, address or "flowbuilder@localhost"


def _sender(template: EmailTemplate, name: str = "", address: str = "") -> str:
    """The From header: the step's name and address, else the template's, else the workspace's
    ``DEFAULT_FROM_EMAIL`` (its name only goes with its own address)."""
    default_name, default_address = _parsed(settings.DEFAULT_FROM_EMAIL)
    address = address or template.sender_email
    return _from_header(name or template.sender_name or ("" if address else default_name), address or default_address)


_CONSENT_REASONS: dict[str, Any] = {
    Contact.Consent.UNSUBSCRIBED: gettext_lazy("The contact unsubscribed from marketing email."),
    Contact.Consent.BOUNCED: gettext_lazy("The contact's address bounced."),
    Contact.Consent.COMPLAINED: gettext_lazy("The contact reported an email as spam."),
}


def why_not_marketing(contact: Contact) -> str:
    """Why ``contact`` may not get marketing email now, or ``""`` when they may."""
    if not contact.email:
        return _("The contact has no email address.")
    if contact.email_consent != Contact.Consent.SUBSCRIBED:
        return str(_CONSENT_REASONS.get(contact.email_consent) or _CONSENT_REASONS[Contact.Consent.UNSUBSCRIBED])
    try:
        validate_email(contact.email)
    except ValidationError:
        return _("“%(address)s” is not a valid email address.") % {"address": contact.email}
    return ""


def messages_not_sent(*, pks: Sequence[int], reason: str) -> int:
    """Mark queued messages as not sent, with the reason (shown on the contact's profile and in
    the reports). Returns how many were marked."""
    return OutboundMessage.objects.filter(pk__in=pks, status=OutboundMessage.Status.QUEUED).update(
        status=OutboundMessage.Status.SKIPPED, skip_reason=reason[:300], next_attempt_at=None
    )


@dataclass(slots=True)
class Queued:
    """A marketing email as ``messages_queue`` stores it (a row of ``OutboundMessage``, built
    without the model's overhead: the outbox writes thousands a second)."""

    contact_id: int | None
    template_id: int | None
    journey_id: int | None
    version_id: int | None
    node_id: str
    enrollment_id: int | None
    to_email: str
    from_email: str
    reply_to: str
    subject: str
    message_id: str
    created_at: datetime
    next_attempt_at: datetime | None
    kind: str = OutboundMessage.Kind.MARKETING
    seq: int = 0
    status: str = OutboundMessage.Status.QUEUED
    skip_reason: str = ""
    language: str = ""
    html_body: str = ""
    text_body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None


_COLUMNS = tuple(f.name for f in Queued.__dataclass_fields__.values())
_JSON_COLUMNS = ("headers", "links")


def messages_queue(*, items: Sequence[QueueItem], now: datetime | None = None) -> list[Queued]:
    """Render and store marketing emails, one row per item, ready for the sender; returns what
    was stored (a row each, with its status and, for a skip, why).

    Contacts who may not get marketing email (unsubscribed, bounced, complained, no or an invalid
    address), contacts a ``skip`` template lacks a value for, and renders the template cannot do
    (``{{ 1 / 0 }}``, something the sandbox refuses) get a row with status ``skipped`` and the
    reason, so "why didn't they get it?" has an answer. A journey step's email is stored once per
    (enrollment, step number) however often the step runs: an item whose row exists is left out (and
    the unique constraint refuses a concurrent duplicate). Delivery is scheduled on commit.
    """
    now = now or timezone.now()
    versions = TemplateVersions({item.template.pk: item.template for item in items}.values())
    stages = StageNames()
    rows = [_queue_row(item, versions, stages, now) for item in _new_only(items)]
    if not rows:
        return []
    if connection.vendor == "postgresql":
        _copy(rows)
    else:
        OutboundMessage.objects.bulk_create(
            [OutboundMessage(**{name: getattr(row, name) for name in _COLUMNS}) for row in rows], batch_size=500
        )
    if any(row.status == OutboundMessage.Status.QUEUED for row in rows):
        transaction.on_commit(sender_schedule)
    return rows


def _new_only(items: Sequence[QueueItem]) -> list[QueueItem]:
    """``items`` less those whose (enrollment, step number) already has a message, or comes earlier in
    ``items``: one query for the batch."""
    enrollments = {item.enrollment_id for item in items if item.enrollment_id is not None}
    seen = set(rows_for_ids(OutboundMessage, "enrollment", enrollments, ("enrollment", "seq")))
    fresh = []
    for item in items:
        if item.enrollment_id is not None:
            key = (item.enrollment_id, item.seq)
            if key in seen:
                continue
            seen.add(key)
        fresh.append(item)
    return fresh


def _copy(rows: list[Queued]) -> None:
    """PostgreSQL: write the rows with ``COPY`` (several times faster than ``INSERT`` for rows
    holding whole emails; bench/emails.py)."""
    table = OutboundMessage._meta.db_table
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [json.dumps(getattr(row, name)) if name in _JSON_COLUMNS else getattr(row, name) for name in _COLUMNS]
            )


def _queue_row(item: QueueItem, versions: TemplateVersions, stages: StageNames, now: datetime) -> Queued:
    template, contact = item.template, item.contact
    public_id = _public_id()
    row = Queued(
        contact_id=contact.pk,
        template_id=template.pk,
        journey_id=item.journey.pk if item.journey else None,
        version_id=item.version.pk if item.version else None,
        node_id=item.node_id,
        enrollment_id=item.enrollment_id,
        seq=item.seq,
        to_email=contact.email or "",
        from_email=_sender(template, item.sender_name, item.sender_email),
        reply_to=template.reply_to,
        message_id=message_id_of(public_id),
        created_at=now,
        next_attempt_at=now,
        subject="",  # set once rendered: a row skipped before that has no subject
    )
    reason = why_not_marketing(contact)
    if reason:
        return _skipped(row, reason)
    compiled = versions.compiled(template, contact.locale)
    locale = contact_locale(contact, compiled.language)
    unsubscribe = tracking.unsubscribe_url(public_id)
    context = render_context(
        contact,
        language=locale.language,
        event=item.event,
        journey=item.journey,
        unsubscribe_url=unsubscribe,
        stages=stages,
    )
    try:
        rendered = _render(compiled, context, locale, subject=item.subject)
    except TemplateRefused as exc:
        return _skipped(row, _("The template cannot be rendered: %(reason)s") % {"reason": exc})
    if rendered.missing and template.on_missing == EmailTemplate.OnMissing.SKIP:
        row.subject = rendered.subject[:998]
        return _skipped(row, _("Missing values: %(names)s") % {"names": ", ".join(rendered.missing)})
    _fill(row, rendered, public_id, unsubscribe=unsubscribe)
    return row


def _render(compiled: Any, context: dict[str, Any], locale: Locale, *, subject: str = "") -> Rendered:
    if not subject:
        return render(compiled, context, locale)
    # A subject set on the step replaces the template's; it is rendered with the same values.
    override = replace(compiled, subject=_step_subject(subject))
    return render(override, context, locale)


@lru_cache(maxsize=256)
def _step_subject(source: str) -> Any:
    return compile_part(source)


def _skipped(row: Queued, reason: str) -> Queued:
    row.status, row.skip_reason, row.next_attempt_at = OutboundMessage.Status.SKIPPED, reason[:300], None
    return row


def _fill(row: Queued | OutboundMessage, rendered: Rendered, public_id: str, *, unsubscribe: str = "") -> None:
    """Put the rendered email on the row: for marketing, tracked links, the open pixel, an
    unsubscribe link in the footer and the RFC 8058 headers."""
    row.language = rendered.language
    row.subject = rendered.subject[:998]
    if row.kind != OutboundMessage.Kind.MARKETING:
        row.html_body, row.text_body = rendered.html, rendered.text
        return
    html, row.links = tracking.rewrite_links(rendered.html, public_id, skip=(unsubscribe,))
    label = _unsubscribe_label(rendered.language)
    row.html_body = _with_footer(html, unsubscribe, label)
    row.text_body = rendered.text if unsubscribe in rendered.text else f"{rendered.text}\n--\n{label}: {unsubscribe}\n"
    row.headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


@lru_cache(maxsize=16)
def _unsubscribe_label(language: str) -> str:
    """ "Unsubscribe" in the email's language (not the worker's)."""
    with translation.override(language):
        return str(_("Unsubscribe"))


def _with_footer(html: str, unsubscribe: str, label: str) -> str:
    """The HTML with an unsubscribe link before ``</body>``, unless it already has one."""
    if not html or unsubscribe in html:
        return html
    footer = (
        '<p style="font-size:12px;color:#8a91a0;text-align:center;margin:24px 0">'
        f'<a href="{unsubscribe}" style="color:#8a91a0">{escape(label)}</a></p>'
    )
    index = html.rfind("</body>")
    if index < 0:
        index = html.lower().rfind("</body>")
    return html[:index] + footer + html[index:] if index >= 0 else html + footer


@transaction.atomic
def message_test_send(
    *, template: EmailTemplate, to: str, language: str | None = None, contact: Contact | None = None
) -> OutboundMessage:
    """Queue the template for ``to`` as ``contact`` would get it (a sample contact when none), in
    ``language`` when given. Not tracked, no unsubscribe; the subject starts with "[Test]".
    Raises ``ValidationError`` for a bad address or language, ``TemplateRefused`` for a template
    that cannot be rendered."""
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError({"to": [_("“%(value)s” is not a valid email address.") % {"value": to}]}) from None
    if language:
        try:
            language = language_normalise(language)
        except ValidationError as exc:
            raise ValidationError({"language": exc.messages}) from None
    sample = contact or Contact(email=to, first_name=_("Alex"), last_name=_("Example"), locale=language or "")
    public_id = _public_id()
    rendered = template_preview(template=template, contact=sample, language=language)
    now = timezone.now()
    row = OutboundMessage(
        kind=OutboundMessage.Kind.TEST,
        template=template,
        contact=contact,
        to_email=to,
        from_email=_sender(template),
        reply_to=template.reply_to,
        message_id=message_id_of(public_id),
        created_at=now,
        next_attempt_at=now,
    )
    _fill(row, rendered, public_id)
    row.subject = (_("[Test] %(subject)s") % {"subject": row.subject})[:998]
    row.save()
    transaction.on_commit(sender_schedule)
    return row


def notify_queue(
    *, to: Sequence[str], subject: str, body: str, context: Mapping[str, Any], now: datetime | None = None
) -> list[OutboundMessage]:
    """Plain-text email to colleagues (the notify step), sent whatever their marketing consent.

    ``subject`` and ``body`` are templates rendered with ``context`` (``contact``, ``event``…) in
    the workspace's language and time zone. Raises ``TemplateRefused`` when they cannot be rendered.
    """
    now = now or timezone.now()
    subject_text, body_text = notify_render(subject=subject, body=body, context=context)
    rows = [
        OutboundMessage(
            kind=OutboundMessage.Kind.TRANSACTIONAL,
            to_email=address,
            from_email=settings.DEFAULT_FROM_EMAIL,
            subject=subject_text[:998],
            text_body=body_text,
            message_id=message_id_of(_public_id()),
            created_at=now,
            next_attempt_at=now,
        )
        for address in to
    ]
    if rows:
        transaction.on_commit(sender_schedule)
    return OutboundMessage.objects.bulk_create(rows)


def workspace_values(context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` ready for ``render_part`` in the workspace's language and time zone (what a
    notification and a webhook body render with): each mapping a ``Record`` under its name."""
    values = {key: Record(key, dict(value)) if isinstance(value, Mapping) else value for key, value in context.items()}
    values["__locale__"] = workspace_locale()
    return values


def notify_render(*, subject: str, body: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject (on one line) and body of a notification rendered with ``context`` in the
    workspace's language and time zone, stored nowhere. Raises ``TemplateRefused``."""
    values = workspace_values(context)
    return " ".join(render_part(compile_part(subject), values).split()), render_part(compile_part(body), values)


def message_render(*, item: QueueItem, now: datetime | None = None) -> Queued:
    """The row ``messages_queue`` would store for ``item`` (rendered as the contact would get it,
    or skipped with the reason), built but stored nowhere and with nothing scheduled: what a
    journey dry run shows."""
    return _queue_row(item, TemplateVersions([item.template]), StageNames(), now or timezone.now())


def sender_schedule() -> None:
    """Ask the task cluster to deliver what is due (call it with ``transaction.on_commit``)."""
    from django_q.tasks import async_task

    async_task("journeys.tasks.send_queued_messages", task_name="email.send", group="email")
