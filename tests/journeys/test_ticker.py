"""The ticker (journeys/ticker.py): one watcher at a time, draining the moment a wait is over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from journeys.models import Enrollment
from journeys.ticker import TICKER_LOCK, ticker_lease, ticker_watch


class FakeClock:
    """Monotonic time that moves only when the ticker naps; remembers the naps."""

    def __init__(self) -> None:
        self.at = 0.0
        self.naps: list[float] = []

    def __call__(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.naps.append(round(seconds, 2))
        self.at += seconds


@contextmanager
def watching_elsewhere() -> Iterator[bool]:
    """Take the lease as another process would (another connection; another open file): yields
    whether it got it, and gives it back after."""
    if connection.vendor != "postgresql":
        with ticker_lease() as held:  # another open file of the lock
            yield held
        return
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    ) as other:
        row = other.execute("SELECT pg_try_advisory_lock(%s, 0)", [TICKER_LOCK]).fetchone()
        held = bool(row and row[0])
        try:
            yield held
        finally:
            if held:
                other.execute("SELECT pg_advisory_unlock(%s, 0)", [TICKER_LOCK])


def other_process_could_watch() -> bool:
    with watching_elsewhere() as held:
        return held


@pytest.mark.django_db
def test_only_one_ticker_watches_at_a_time_and_the_lease_is_free_again_afterwards(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with ticker_lease() as held:
        assert held
        assert not other_process_could_watch()
    assert other_process_could_watch()


@pytest.mark.django_db
def test_a_ticker_that_finds_another_one_watching_returns_at_once(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    clock = FakeClock()
    with watching_elsewhere() as held:
        assert held
        assert ticker_watch(seconds=55, clock=clock, sleep=clock.sleep) is None
    assert clock.naps == []


@pytest.mark.django_db
def test_the_ticker_drains_a_wait_that_is_over_and_naps_at_most_a_second_otherwise(
    publish, build, person, happen, settings, tmp_path, now
):
    settings.VAR_DIR = tmp_path
    publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "trial_started"}),
            ("wait", "wait", {"mode": "duration", "amount": 2, "unit": "minutes"}),
            ("end", "exit", {}),
            edges=[("t", "wait"), ("wait", "end")],
        )
    )
    happen(person(), "trial_started", at=now - timedelta(minutes=3))  # its wait is over by now
    clock = FakeClock()

    total = ticker_watch(seconds=3, clock=clock, sleep=clock.sleep)

    assert Enrollment.objects.get().state == Enrollment.State.COMPLETED
    assert total is not None
    assert total["enrollments"] >= 1
    assert clock.naps == [1.0, 1.0, 1.0]  # nothing else due: a look a second until the time is up
