"""The ticker: one process at a time watches for waits coming due and runs the executor the
moment one is, so a 2-minute wait ends within about a second of its time.

``journeys.tasks.executor_tick`` runs ``ticker_watch`` for ``EXECUTOR_TICK_SECONDS`` and then
queues the next tick itself, so watching goes on without the gaps django-q2's scheduler would
leave (it looks at schedules every 30 s); the every-minute schedule only restarts the chain when
a cluster stopped. The lease (a PostgreSQL advisory lock held by the watching connection, or a
file lock beside the SQLite database) keeps a second ticker from occupying another worker: it
returns at once. Either is released when its process dies.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import timezone

from journeys.executor import DrainReport, executor_drain, next_due

TICKER_LOCK = 0x7A12  # advisory lock class of the ticker's lease
LONGEST_NAP = 1.0  # seconds between looks when nothing is about to come due
SHORTEST_NAP = 0.05


@contextmanager
def ticker_lease() -> Iterator[bool]:
    """``True`` inside when this process may watch, ``False`` when another ticker does."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [TICKER_LOCK])
            row = cursor.fetchone()
        held = bool(row and row[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [TICKER_LOCK])
        return
    path = settings.VAR_DIR / "executor-ticker.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            held = False
        else:
            held = True
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


def ticker_watch(
    *,
    seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int] | None:
    """Watch for ``seconds``: drain whenever something is due, otherwise nap until the next due
    time (at most a second, at least 50 ms). Returns what the drains did, or ``None`` when
    another ticker holds the lease."""
    with ticker_lease() as held:
        if not held:
            return None
        deadline = clock() + seconds
        total = DrainReport()
        while clock() < deadline:
            due, now = next_due(), timezone.now()
            if due is not None and due <= now:
                total.add(executor_drain(time_limit=max(1.0, deadline - clock())))
                continue
            nap = LONGEST_NAP if due is None else (due - now).total_seconds()
            sleep(max(0.0, min(max(nap, SHORTEST_NAP), LONGEST_NAP, deadline - clock())))
        return total.as_dict()
