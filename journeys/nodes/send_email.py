from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from journeys.emails.rendering import template_field_check
from journeys.matching import clock_time, local_moment, zone_of
from journeys.nodes.base import Advance, Category, NodeType, Outcome, Reference, ReferenceField, Stay

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from contacts.models import Contact
    from journeys.executor import StepBatch
    from journeys.models import EmailTemplate


class SendEmailConfig(serializers.Serializer[Any]):
    template = ReferenceField(to="template", label=_("Email template"))
    sender_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        label=_("Sender name"),
        help_text=_("Leave empty to use the template's."),
    )
    sender_email = serializers.EmailField(
        required=False, allow_blank=True, label=_("Sender address"), help_text=_("Leave empty to use the template's.")
    )
    subject = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        label=_("Subject"),
        help_text=_("Leave empty to use the template's."),
    )
    skip_if_capped = serializers.BooleanField(
        default=False,
        label=_("Skip when the contact already got enough emails"),
        help_text=_("Otherwise the email waits until the frequency cap allows it."),
    )

    def validate_subject(self, subject: str) -> str:
        if "\n" in subject or "\r" in subject:
            raise serializers.ValidationError(_("Line breaks are not allowed here."))
        return template_field_check(subject)


class SendEmail(NodeType):
    kind = "send_email"
    label = _("Send email")
    description = _("Sends a personalised marketing email to the contact (never to unsubscribed contacts).")
    category = Category.ACTIONS
    icon = "mail"
    Config = SendEmailConfig

    @classmethod
    def references(cls, config: Mapping[str, Any]) -> list[Reference]:
        return [Reference("template", "template", config["template"])] if config.get("template") else []

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        """Queue the email for the whole batch with one outbox write. Outside the journey's send
        window the contact waits for the window to open (in their time zone); over the frequency
        cap they wait for room, or move on without it when the step says so. Contacts who may not
        get marketing email move on, with the reason recorded."""
        from journeys.emails.services.outbox import QueueItem, messages_queue
        from journeys.models import JourneyVersion

        config = batch.config
        template, reason = template_for(config)
        if template is None:
            return [Advance("next", skipped=reason)] * len(batch.enrollments)
        contacts = batch.contact_of()
        window = batch.plan.settings.get("send_window")
        cap = Cap.for_contacts(contacts.keys(), now=batch.now)
        outcomes: list[Outcome | None] = [None] * len(batch.enrollments)
        items, places = [], {}
        version = JourneyVersion(pk=batch.version_id, journey_id=batch.journey.pk)
        for index, walker in enumerate(batch.enrollments):
            contact = contacts.get(walker.contact_id)
            if contact is None:
                outcomes[index] = Advance("next", skipped=gettext("The contact no longer exists."))
                continue
            held = send_held(
                now=batch.now, window=window, contact=contact, cap=cap, skip_if_capped=config.get("skip_if_capped")
            )
            if held is not None:
                outcomes[index] = held
                continue
            cap.count(contact.pk, batch.now)
            places[walker.id] = index
            items.append(
                QueueItem(
                    contact=contact,
                    template=template,
                    enrollment_id=walker.id,
                    journey=batch.journey,
                    version=version,
                    node_id=batch.node_id,
                    seq=walker.seq,
                    event=walker.event,
                    sender_name=config.get("sender_name", ""),
                    sender_email=config.get("sender_email", ""),
                    subject=config.get("subject", ""),
                )
            )
        for row in messages_queue(items=items, now=batch.now) if items else []:
            index = places.pop(row.enrollment_id)  # type: ignore[arg-type]
            detail = {"message": row.message_id}
            outcomes[index] = Advance("next", skipped=row.skip_reason, detail=detail)
        for index in places.values():  # queued by an earlier run of this very step
            outcomes[index] = Advance("next")
        return [outcome or Advance("next") for outcome in outcomes]


def template_for(config: Mapping[str, Any]) -> tuple[EmailTemplate | None, str]:
    """The step's template, or ``None`` and why not when it no longer exists or is switched off."""
    from journeys.models import EmailTemplate

    template = EmailTemplate.objects.filter(pk=config["template"]).first()
    if template is None or not template.is_active:
        return None, gettext("The email template no longer exists or is switched off.")
    return template, ""


def send_held(
    *, now: datetime, window: Mapping[str, Any] | None, contact: Contact, cap: Cap, skip_if_capped: Any
) -> Outcome | None:
    """Why the email cannot go to ``contact`` at ``now``: ``Stay`` until the journey's send window
    next opens in their time zone, or until the frequency cap has room (``Advance`` skipped instead
    with ``skip_if_capped``); ``None`` when it may go now. Reads nothing: the step and a journey dry
    run decide with it."""
    if window:
        opens = window_opens(now, window, zone_of(contact))
        if opens > now:
            return Stay(opens, reason="send_window")
    room_at = cap.room_at(contact.pk)
    if room_at is not None:
        if skip_if_capped:
            return Advance("next", skipped=cap.reason())
        return Stay(room_at, reason="frequency_cap")
    return None


def window_opens(now: datetime, window: Mapping[str, Any], zone: ZoneInfo) -> datetime:
    """``now`` when it is inside the send window in ``zone``, else when the window next opens."""
    start, end = clock_time(window.get("start")), clock_time(window.get("end"), time(17, 0))
    weekdays = set(window.get("weekdays") or range(7))
    local = now.astimezone(zone)
    if local.weekday() in weekdays and start <= local.time().replace(tzinfo=None) < end:
        return now
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() in weekdays:
            opens = local_moment(day, start, zone)
            if opens > now:
                return opens
    return now  # no weekday at all: validation never allows it


class Cap:
    """The frequency cap for a batch's contacts: their recent marketing emails, read once."""

    def __init__(self, limit: int, days: int, sent: dict[int, list[datetime]]) -> None:
        self.limit, self.window, self.sent = limit, timedelta(days=days), sent

    @classmethod
    def for_contacts(cls, contact_ids: Any, *, now: datetime) -> Cap:
        from journeys.models import OutboundMessage

        limit, days = settings.EMAIL_CAP_PER_CONTACT, settings.EMAIL_CAP_DAYS
        sent: dict[int, list[datetime]] = {}
        if limit:
            rows = OutboundMessage.objects.filter(
                contact_id__in=list(contact_ids),
                kind=OutboundMessage.Kind.MARKETING,
                status__in=[OutboundMessage.Status.QUEUED, OutboundMessage.Status.SENT],
                created_at__gt=now - timedelta(days=days),
            ).values_list("contact_id", "created_at")
            for contact_id, created_at in rows:
                sent.setdefault(contact_id, []).append(created_at)
        return cls(limit, days, sent)

    def room_at(self, contact_id: int) -> datetime | None:
        """``None`` when the contact may get one more email now, else when they may."""
        times = sorted(self.sent.get(contact_id, []))
        if not self.limit or len(times) < self.limit:
            return None
        return times[len(times) - self.limit] + self.window

    def count(self, contact_id: int, at: datetime) -> None:
        if self.limit:
            self.sent.setdefault(contact_id, []).append(at)

    def reason(self) -> str:
        return gettext("The contact already got %(count)s emails in %(days)s days (the frequency cap).") % {
            "count": self.limit,
            "days": self.window.days,
        }
