"""Email reporting: sent, delivered, bounced, opened, clicked, unsubscribed — per template, per step."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from journeys.models import MessageEvent, OutboundMessage

SENT_STATES = (OutboundMessage.Status.SENT, OutboundMessage.Status.BOUNCED)


def _has(kind: str) -> Exists:
    return Exists(MessageEvent.objects.filter(message=OuterRef("pk"), kind=kind))


def message_stats(messages: QuerySet[OutboundMessage], *, group_by: str | None = None) -> dict[Any, dict[str, Any]]:
    """Counts and rates for marketing messages, overall (key ``None``) or per ``group_by`` value.

    ``sent``: handed to the mail server; ``delivered``: sent and not bounced; ``opened``,
    ``clicked`` and ``unsubscribed``: messages with at least one such event (unique per
    message); ``bounced_rate`` is of sent messages, the other rates of delivered ones (``None``
    when there are none). Test sends and notifications to colleagues are not counted. Overall,
    the answer always has the key ``None``; per group, only groups with messages are present.
    """
    marketing = messages.filter(kind=OutboundMessage.Kind.MARKETING).annotate(
        was_opened=_has("opened"), was_clicked=_has("clicked"), was_unsubscribed=_has("unsubscribed")
    )
    counts = {
        "sent": Count("pk", filter=Q(status__in=SENT_STATES)),
        "bounced": Count("pk", filter=Q(status=OutboundMessage.Status.BOUNCED)),
        "skipped": Count("pk", filter=Q(status=OutboundMessage.Status.SKIPPED)),
        "queued": Count("pk", filter=Q(status=OutboundMessage.Status.QUEUED)),
        "failed": Count("pk", filter=Q(status=OutboundMessage.Status.FAILED)),
        "opened": Count("pk", filter=Q(was_opened=True)),
        "clicked": Count("pk", filter=Q(was_clicked=True)),
        "unsubscribed": Count("pk", filter=Q(was_unsubscribed=True)),
    }
    if group_by is None:
        # ``values()`` without fields would group by every column: one row per message.
        rows: list[dict[str, Any]] = [marketing.aggregate(**counts)]
    else:
        rows = list(marketing.values(group_by).annotate(**counts).order_by())
    result: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row.pop(group_by) if group_by else None
        result[key] = _with_rates(row)
    return result


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    delivered = row["sent"] - row["bounced"]
    row["delivered"] = delivered
    row["bounced_rate"] = round(row["bounced"] / row["sent"], 4) if row["sent"] else None
    for name in ("opened", "clicked", "unsubscribed"):
        row[f"{name}_rate"] = round(row[name] / delivered, 4) if delivered else None
    return row


EMPTY_STATS = {
    "sent": 0,
    "bounced": 0,
    "skipped": 0,
    "queued": 0,
    "failed": 0,
    "opened": 0,
    "clicked": 0,
    "unsubscribed": 0,
    "delivered": 0,
    "bounced_rate": None,
    "opened_rate": None,
    "clicked_rate": None,
    "unsubscribed_rate": None,
}


def template_stats(template_ids: list[int]) -> dict[int, dict[str, Any]]:
    stats = message_stats(OutboundMessage.objects.filter(template_id__in=template_ids), group_by="template_id")
    return {pk: stats.get(pk, dict(EMPTY_STATS)) for pk in template_ids}


def journey_node_stats(journey_id: int) -> dict[str, dict[str, Any]]:
    """Per step of a journey (all versions together), keyed by node id."""
    stats = message_stats(OutboundMessage.objects.filter(journey_id=journey_id), group_by="node_id")
    return {str(node_id): values for node_id, values in stats.items()}


def contact_messages(contact_id: int, *, limit: int = 50) -> QuerySet[OutboundMessage]:
    """A contact's message log, newest first, with what happened to each."""
    return (
        OutboundMessage.objects.filter(contact_id=contact_id)
        .select_related("template", "journey")
        .annotate(was_opened=_has("opened"), was_clicked=_has("clicked"))
        .order_by("-created_at", "-id")[:limit]
    )
