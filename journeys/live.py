"""Per-node live counts of a journey, and telling open canvases that they changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count

from journeys.models import Enrollment, Journey, Step


def group_name(journey_id: int) -> str:
    return f"journey-{journey_id}"


def journey_live_counts(*, journey: Journey) -> dict[str, dict[str, Any]]:
    """By node id: contacts ``waiting`` there now, ``passed`` (left by an output, per output),
    ``skipped`` (by reason), ``exited``, ``failed``. Two grouped queries on indexed columns."""
    counts: dict[str, dict[str, Any]] = {}

    def node(node_id: str) -> dict[str, Any]:
        return counts.setdefault(
            node_id, {"waiting": 0, "passed": 0, "outputs": {}, "skipped": {}, "exited": 0, "failed": 0}
        )

    for node_id, waiting in (
        Enrollment.objects.filter(journey=journey, state=Enrollment.State.ACTIVE)
        .values_list("node_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        node(node_id)["waiting"] = waiting
    for node_id, outcome, output, reason, n in (
        Step.objects.filter(journey=journey)
        .values_list("node_id", "outcome", "output", "reason")
        .annotate(n=Count("pk"))
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
    return counts


def live_counts_changed(journey_ids: Iterable[int]) -> None:
    """Tell subscribers (the canvas, over Channels) that these journeys' counts changed; they
    read the counts at most once a second. Best effort: a channel layer outage loses nothing."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    for journey_id in journey_ids:
        try:
            async_to_sync(layer.group_send)(group_name(journey_id), {"type": "counts.changed"})
        except Exception:  # noqa: BLE001 - the counts are still right; the canvas also polls
            return
