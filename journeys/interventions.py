"""What a person does to enrollments by hand (Django admin): retry them now, or take them out.

Both work beside running executors: rows a batch holds are left to it (retry), or waited for and
taken out at the step it moved them to (remove, recorded as an exit rule's exit is). Open
canvases are told on commit; a retry also asks for a drain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from journeys.entries import exits_record
from journeys.executor import WALKER_FIELDS, Walker, drain_schedule
from journeys.live import live_counts_changed
from journeys.models import Enrollment

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


@transaction.atomic
def enrollments_remove(*, enrollment_ids: Iterable[int], reason: str, now: datetime | None = None) -> RemoveReport:
    """Take these enrollments out of their journeys, as an exit rule would: each leaves at its
    current step, recorded in the step log as ``exited`` with ``reason`` (also its
    ``exit_reason``). Only active enrollments are taken out; others are left as they are.

    Set-based, a chunk at a time; one a running batch holds is waited for (a moment) and taken
    out at the step that batch moved it to.
    """
    now = now or timezone.now()
    removed = 0
    for chunk in _chunks(sorted(set(enrollment_ids))):
        walkers = [
            Walker.of(row)
            for row in Enrollment.objects.select_for_update()
            .filter(pk__in=chunk, state=Enrollment.State.ACTIVE)
            .order_by("pk")
            .values_list(*WALKER_FIELDS)
        ]
        exits_record([(walker, reason) for walker in walkers], now=now)
        removed += len(walkers)
    return RemoveReport(removed=removed)
