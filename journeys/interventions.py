"""What a person does to enrollments by hand (Django admin): retry them now, or take them out.

Both work beside running executors: rows a batch holds are left to it (retry) or taken out by
the executor right after it (remove, through the same exit nudge an exit rule uses). Both ask
for a drain and tell open canvases on commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from journeys.entries import nudges_apply
from journeys.executor import drain_schedule
from journeys.live import live_counts_changed
from journeys.models import Enrollment, Nudge

CHUNK = 500  # ids per statement: SQLite limits the parameters of one query


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _after_commit(journey_ids: set[int], *, drain: bool) -> None:
    if drain:
        transaction.on_commit(drain_schedule)
    if journey_ids:
        transaction.on_commit(lambda: live_counts_changed(journey_ids))


@dataclass
class RetryReport:
    retried: int = 0  # active ones made due now, failed ones put back in the journey
    skipped: int = 0  # finished, held by a running batch, or their place was taken meanwhile


@transaction.atomic
def enrollments_retry(*, enrollment_ids: Iterable[int], now: datetime | None = None) -> RetryReport:
    """Run these enrollments' current step again now: failed attempts are forgotten and they
    are due at ``now``; failed ones are put back at the step they failed at.

    Completed and exited ones are left alone, as are those a running batch holds (it is moving
    them right now) and failed ones whose place in the journey a newer enrollment of the same
    contact took. A drain is asked for on commit.
    """
    now = now or timezone.now()
    wanted = sorted(set(enrollment_ids))
    report = RetryReport()
    journeys: set[int] = set()
    for chunk in _chunks(wanted):
        rows = list(
            Enrollment.objects.select_for_update(skip_locked=True)
            .filter(pk__in=chunk, state__in=[Enrollment.State.ACTIVE, Enrollment.State.FAILED])
            .values_list("pk", "journey_id", "state")
        )
        active = [pk for pk, _journey, state in rows if state == Enrollment.State.ACTIVE]
        failed = [pk for pk, _journey, state in rows if state == Enrollment.State.FAILED]
        retried = Enrollment.objects.filter(pk__in=active).update(attempts=0, last_error="", due_at=now)
        if failed:
            place_taken = Enrollment.objects.filter(
                state=Enrollment.State.ACTIVE,
                journey_id=OuterRef("journey_id"),
                contact_id=OuterRef("contact_id"),
                slot=OuterRef("slot"),
            )
            try:
                with transaction.atomic():
                    retried += (
                        Enrollment.objects.filter(pk__in=failed)
                        .exclude(Exists(place_taken))
                        .update(
                            state=Enrollment.State.ACTIVE,
                            attempts=0,
                            last_error="",
                            exit_reason="",
                            finished_at=None,
                            due_at=now,
                        )
                    )
            except IntegrityError:  # a new enrollment took a place just now; retry again later
                pass
        report.retried += retried
        journeys.update(journey for _pk, journey, _state in rows)
    report.skipped = len(wanted) - report.retried
    _after_commit(journeys, drain=report.retried > 0)
    return report


@dataclass
class RemoveReport:
    removed: int = 0  # left the journey now
    pending: int = 0  # held by a running batch: the executor takes them out right after it


@transaction.atomic
def enrollments_remove(*, enrollment_ids: Iterable[int], reason: str, now: datetime | None = None) -> RemoveReport:
    """Take these enrollments out of their journeys, as an exit rule would: each leaves at its
    current step, recorded in the step log as ``exited`` with ``reason`` (also its
    ``exit_reason``). Only active enrollments are taken out; others are left as they are.

    Goes through the executor's exit nudges: those a running batch holds stay nudged and leave
    in the executor's next batch (a drain is asked for).
    """
    now = now or timezone.now()
    reason = reason[:300]
    journeys: set[int] = set()
    created = 0
    for chunk in _chunks(sorted(set(enrollment_ids))):
        rows = list(
            Enrollment.objects.filter(pk__in=chunk, state=Enrollment.State.ACTIVE).values_list("pk", "journey_id")
        )
        Nudge.objects.bulk_create(
            [Nudge(enrollment_id=pk, kind=Nudge.Kind.EXIT, reason=reason, created_at=now) for pk, _journey in rows]
        )
        created += len(rows)
        journeys.update(journey for _pk, journey in rows)
    # Applies every pending nudge it can, oldest first, as the executor would at its next batch
    # (1000 a round); it stops when only nudges of enrollments a batch holds are left.
    for _round in range(created // 1000 + 10 if created else 0):
        if not nudges_apply(now=now):
            break
    pending = Nudge.objects.filter(kind=Nudge.Kind.EXIT, reason=reason, created_at=now).count()
    _after_commit(journeys, drain=pending > 0)
    return RemoveReport(removed=created - pending, pending=pending)
