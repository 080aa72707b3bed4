"""Per-node live counts of a journey, and telling open canvases that they changed.

The canvas subscribes at ``ws/journeys/<id>/live/`` (``journeys/consumers.py``): it gets
``live_counts_message`` at once and again whenever the counts change, at most once per
``LIVE_INTERVAL`` seconds. Whoever changes enrollments (the executor after each batch, the admin's
actions) calls ``live_counts_changed`` on commit. docs/executor.md, "Observability", describes
the message.

Telling is throttled on both sides. A subscriber reads at most once per interval (and once more
at its end when changes arrived meanwhile, so the last state always arrives). A sender sends a
journey's "changed" once, then not again until a subscriber has read the counts (reading clears
the mark): a hundred batches committing in a second cost the channel layer a message or two, not
a hundred. The mark lives in the cache (Redis with ``REDIS_URL``, shared by every process; the
in-memory channel layer without it reaches only its own process anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Sum
from django.utils import timezone

from journeys.emails.selectors import SENT_STATES
from journeys.health import overdue_filter, retrying_filter
from journeys.models import Enrollment, Journey, MessageEvent, OutboundMessage, Step, StepTally

log = logging.getLogger(__name__)

LIVE_INTERVAL = 1.0  # seconds: a canvas gets new counts at most this often
# Seconds a journey's "changed, not yet read" mark lasts when no subscriber reads the counts: the
# next change after it sends again. Also the longest a lost message can hold updates back.
PENDING_TTL = 30


def group_name(journey_id: int) -> str:
    return f"journey-{journey_id}"


def _pending_key(journey_id: int) -> str:
    return f"journeys:live-pending:{journey_id}"


def _node_counts() -> dict[str, Any]:
    return {
        "waiting": 0,
        "stuck": 0,
        "retrying": 0,
        "passed": 0,
        "outputs": {},
        "skipped": {},
        "exited": 0,
        "failed": 0,
    }


def journey_live_counts(*, journey: Journey, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """By node id: contacts ``waiting`` there now (of them ``stuck`` and ``retrying``, see
    ``journeys.health``), how many ``passed`` it (left by an output, also ``outputs`` by output;
    skipped ones included), ``skipped`` by reason, ``exited`` there and ``failed`` there, over
    every version; send-email nodes also have ``email``: messages ``sent``, ``opened`` and
    ``clicked`` (each message once).

    Every node of the live version is present (zeros when nobody came by), as are nodes of
    older versions that have contacts or history. Four grouped queries on indexed columns (and
    the live version's graph, when the executor has not cached it): the contacts there now, the
    step counts (``StepTally``, a few rows), and the journey's emails and their opens and
    clicks, whose cost grows with its history (about 1 s at a million emails).
    """
    from journeys.executor import plans_for

    now = now or timezone.now()
    counts: dict[str, dict[str, Any]] = {}

    def node(node_id: str) -> dict[str, Any]:
        return counts.setdefault(node_id, _node_counts())

    def email(node_id: str) -> dict[str, int]:
        return node(node_id).setdefault("email", {"sent": 0, "opened": 0, "clicked": 0})

    if journey.live_version_id is not None:
        plan = plans_for([journey.live_version_id]).get(journey.live_version_id)
        for node_id, spec in plan.nodes.items() if plan else ():
            if spec.get("type") == "send_email":
                email(node_id)
            else:
                node(node_id)

    # Stuck only while the journey runs: a paused journey's contacts wait on purpose.
    running = journey.status == Journey.Status.ACTIVE
    for node_id, waiting, overdue, retrying in (
        Enrollment.objects.filter(journey=journey, state=Enrollment.State.ACTIVE)
        .values_list("node_id")
        .annotate(
            waiting=Count("pk"),
            overdue=Count("pk", filter=overdue_filter(now=now)),
            retrying=Count("pk", filter=retrying_filter()),
        )
        .order_by()
    ):
        node(node_id).update(waiting=waiting, stuck=overdue if running else 0, retrying=retrying)

    for node_id, outcome, output, reason, n in (
        StepTally.objects.filter(journey=journey)
        .values_list("node_id", "outcome", "output", "reason")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        entry = node(node_id)
        if outcome in (Step.Outcome.PASSED, Step.Outcome.SKIPPED):
            entry["passed"] += n
            entry["outputs"][output or "next"] = entry["outputs"].get(output or "next", 0) + n
        if outcome == Step.Outcome.SKIPPED:
            entry["skipped"][reason] = entry["skipped"].get(reason, 0) + n
        elif outcome in (Step.Outcome.EXITED, Step.Outcome.FAILED):
            entry[outcome] += n

    for node_id, sent in (
        OutboundMessage.objects.filter(journey=journey, kind=OutboundMessage.Kind.MARKETING, status__in=SENT_STATES)
        .values_list("node_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        email(node_id)["sent"] = sent
    # Each message once, however often it was opened: one join (a subquery per message was twice as slow).
    for node_id, kind, messages in (
        MessageEvent.objects.filter(
            message__journey=journey,
            message__kind=OutboundMessage.Kind.MARKETING,
            kind__in=[MessageEvent.Kind.OPENED, MessageEvent.Kind.CLICKED],
        )
        .values_list("message__node_id", "kind")
        .annotate(n=Count("message_id", distinct=True))
        .order_by()
    ):
        email(node_id)[kind] = messages
    return counts


def live_counts_message(*, journey_id: int, now: datetime | None = None) -> dict[str, Any] | None:
    """What a subscriber is sent: ``{"type": "counts", "journey": id, "at": ISO time, "nodes":
    journey_live_counts}``; ``None`` when the journey no longer exists.

    Clears the journey's "changed" mark before reading, so a change committed while this reads
    is told again (and read again): the last state is never lost.
    """
    now = now or timezone.now()
    try:
        cache.delete(_pending_key(journey_id))
    except Exception:  # without the cache senders tell every change: more messages, still right
        log.warning("could not clear the live-counts mark of journey %s", journey_id, exc_info=True)
    journey = Journey.objects.only("pk", "status", "live_version_id").filter(pk=journey_id).first()
    if journey is None:
        return None
    return {
        "type": "counts",
        "journey": journey.pk,
        "at": now.isoformat(),
        "nodes": journey_live_counts(journey=journey, now=now),
    }


def _mark_pending(journey_id: int) -> bool:
    """Mark the journey's counts as changed; ``False`` when they already were (not read since)."""
    try:
        return bool(cache.add(_pending_key(journey_id), 1, timeout=PENDING_TTL))
    except Exception:  # noqa: BLE001 - no cache: tell every change, as before the throttle
        return True


def live_counts_changed(journey_ids: Iterable[int]) -> None:
    """Tell subscribers (the canvas, over Channels) that these journeys' counts changed.

    Call it on commit. A journey already told and not read since is not told again (see the
    module docstring). Best effort: a channel layer outage loses nothing, the counts are still
    right the next time they are read (the canvas also reads them when it opens).
    """
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    told = [journey_id for journey_id in sorted(set(journey_ids)) if _mark_pending(journey_id)]
    if not told:
        return

    async def tell() -> None:
        for journey_id in told:
            await layer.group_send(group_name(journey_id), {"type": "counts.changed"})

    try:
        async_to_sync(tell)()
    except Exception:  # see the docstring
        log.warning("could not tell subscribers that journeys %s changed", told, exc_info=True)
        try:
            cache.delete_many([_pending_key(journey_id) for journey_id in told])
        except Exception:
            log.debug("could not clear live-counts marks", exc_info=True)
