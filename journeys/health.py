"""Enrollments that need a person's attention: stuck, retrying or failed. Never silent.

- **stuck**: in the journey (active), not retrying, and due more than ``STUCK_AFTER`` ago while
  its journey is active. The executor takes due work within about a second, so this means it is
  not running or not keeping up. Enrollments of a paused journey wait on purpose and are not
  stuck; one waiting for a webhook's answer (no due time) is followed by its delivery instead.
- **retrying**: in the journey with failed attempts at its current step (``attempts > 0``): the
  step raised and the executor tries again with backoff; the fifth failure fails it.
- **failed**: the enrollment ended as failed (the reason is in ``last_error`` and the step log).

The three are disjoint. Counted on the journey page, in the journey API (``health``) and per
node in the live counts; listed by the "Health" filter of the enrollments admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, Q, Value
from django.utils import timezone

from journeys.models import Enrollment, Journey

# How long past its due time an enrollment may wait before it counts as stuck. The ticker
# looks once a second and a drain runs batches of 1,000, so a quarter of an hour is far beyond
# any healthy backlog, and short enough to notice on the same day.
STUCK_AFTER = timedelta(minutes=15)

HEALTH_KINDS = ("stuck", "retrying", "failed")


def overdue_filter(*, now: datetime) -> Q:
    """Active enrollments, not retrying, due more than ``STUCK_AFTER`` before ``now``. Stuck
    when their journey is active (``stuck_filter``); for one journey, check its status once."""
    return Q(state=Enrollment.State.ACTIVE, attempts=0, due_at__lt=now - STUCK_AFTER)


def stuck_filter(*, now: datetime) -> Q:
    return overdue_filter(now=now) & Q(journey__status=Journey.Status.ACTIVE)


def retrying_filter() -> Q:
    return Q(state=Enrollment.State.ACTIVE, attempts__gt=0)


def failed_filter() -> Q:
    return Q(state=Enrollment.State.FAILED)


def health_filter(kind: str, *, now: datetime) -> Q:
    """The filter of one of ``HEALTH_KINDS``; ``KeyError`` for another name."""
    return {"stuck": stuck_filter(now=now), "retrying": retrying_filter(), "failed": failed_filter()}[kind]


def journeys_health(*, journey_ids: Iterable[int], now: datetime | None = None) -> dict[int, dict[str, int]]:
    """By journey id: how many enrollments are ``stuck``, ``retrying`` and ``failed`` at ``now``.

    Every id asked for is in the answer (zeros when all is well; an unknown id too). One query,
    whatever the number of journeys (about 5 ms at a million enrollments on PostgreSQL, 2,000
    of them troubled; 130 ms before the partial index).
    """
    now = now or timezone.now()
    ids = sorted(set(journey_ids))
    result = {pk: dict.fromkeys(HEALTH_KINDS, 0) for pk in ids}
    if not ids:
        return result
    # Two parts an index answers each, instead of one OR over every enrollment of the journeys
    # (130 ms at a million): retrying and failed through the partial index of the rare
    # troubled rows (enrollment_trouble_idx), stuck through the due-time index, which holds
    # only active rows and is short below "15 minutes ago" when all is well. One query.
    retrying, failed = retrying_filter(), failed_filter()
    zero = Value(0, output_field=IntegerField())
    troubled = (
        Enrollment.objects.filter(journey_id__in=ids)
        .filter(retrying | failed)
        .values_list("journey_id")
        .annotate(stuck=zero, retrying=Count("pk", filter=retrying), failed=Count("pk", filter=failed))
        .order_by()
    )
    overdue = (
        Enrollment.objects.filter(stuck_filter(now=now), journey_id__in=ids)
        .values_list("journey_id")
        .annotate(stuck=Count("pk"), retrying=zero, failed=zero)
        .order_by()
    )
    for journey_id, *counts in troubled.union(overdue, all=True):
        for kind, count in zip(HEALTH_KINDS, counts, strict=True):
            result[journey_id][kind] += count
    return result
