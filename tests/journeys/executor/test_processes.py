"""Several executor processes at once, and executors and senders killed in the middle of a batch.

Each test starts real processes (tests/journeys/executor/worker.py) on the tests' PostgreSQL
database: SQLite's test database lives in this process's memory, so they run where CI runs
them, on PostgreSQL. The data is committed (``transaction=True``) so the processes see it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from contacts.services.contacts import Identity, contact_ids_get_or_create
from journeys.entries import journey_enroll
from journeys.models import Enrollment, Journey, OutboundMessage, Step

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: several processes share the test database"
    ),
]

WORKER = Path(__file__).with_name("worker.py")


@dataclass
class Worker:
    """One worker process: started, waiting for ``go``."""

    process: subprocess.Popen[str]

    def line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line, f"the worker ended early:\n{self.process.stderr.read() if self.process.stderr else ''}"
        return line

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def report(self) -> dict[str, int]:
        output, errors = self.process.communicate(timeout=300)
        assert self.process.returncode == 0, errors
        return dict(json.loads(output.strip().splitlines()[-1]))

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate(timeout=30)


@pytest.fixture
def worker(database_url: str) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(mode: str, *args: str, env: dict[str, str] | None = None) -> Worker:
        process = subprocess.Popen(
            [sys.executable, str(WORKER), mode, *args],
            env={**os.environ, "DATABASE_URL": database_url, "EMAIL_URL": "", **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(Worker(process))
        assert started[-1].line() == "ready"
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            each.kill()


@pytest.fixture
def two_emails_journey(publish: Callable[..., Any], build: Callable[..., Any], refs: dict[str, Any]) -> Journey:
    """Manual entry → Welcome → wait 0 → Welcome again → add to audience → end."""
    return publish(
        build(
            ("t", "trigger", {"kind": "manual"}),
            ("first", "send_email", {"template": refs["welcome"].pk}),
            ("pause", "wait", {"mode": "duration", "amount": 0, "unit": "minutes"}),
            ("second", "send_email", {"template": refs["welcome"].pk, "subject": "Still there, {{ contact.email }}?"}),
            ("aud", "add_to_audience", {"audience": refs["audience"].pk}),
            ("end", "exit", {}),
            edges=[("t", "first"), ("first", "pause"), ("pause", "second"), ("second", "aud"), ("aud", "end")],
        )
    )


def enroll_many(journey: Journey, count: int, now: datetime) -> None:
    identities = [Identity(f"person{n}@example.com", None) for n in range(count)]
    ids = contact_ids_get_or_create(identities, now=now)
    report = journey_enroll(journey=journey, contact_ids=[i for i in ids.values() if isinstance(i, int)], now=now)
    assert report.entered == count


def assert_every_one_finished_with_one_email_per_send_step(journey: Journey, count: int) -> None:
    states = Counter(Enrollment.objects.filter(journey=journey).values_list("state", flat=True))
    assert states == {Enrollment.State.COMPLETED: count}
    per_step = Counter(
        OutboundMessage.objects.filter(journey=journey)
        .values("enrollment", "node_id")
        .annotate(n=Count("id"))
        .values_list("node_id", "n")
    )
    assert per_step == {("first", 1): count, ("second", 1): count}  # none twice, none missing
    assert OutboundMessage.objects.filter(journey=journey).count() == 2 * count
    assert Step.objects.filter(journey=journey, node_id="end").count() == count


def test_two_executors_draining_the_same_10000_enrollments_send_each_email_exactly_once(
    two_emails_journey: Journey, worker: Callable[..., Worker], now: datetime
) -> None:
    enroll_many(two_emails_journey, 10_000, now)
    first, second = worker("drain", "--now", now.isoformat()), worker("drain", "--now", now.isoformat())
    first.go()
    second.go()
    reports = [first.report(), second.report()]

    assert_every_one_finished_with_one_email_per_send_step(two_emails_journey, 10_000)
    assert sum(r["enrollments"] for r in reports) == 10_000  # each claimed by exactly one of them
    assert all(r["batches"] > 0 for r in reports), reports  # both did their share
    assert sum(r["failed"] for r in reports) == 0


def test_an_executor_killed_mid_batch_three_times_loses_nothing_and_sends_nothing_twice(
    two_emails_journey: Journey, worker: Callable[..., Worker], now: datetime
) -> None:
    enroll_many(two_emails_journey, 3_000, now)
    for stall_at in (1, 3, 2):  # killed inside its first, third and second batch
        doomed = worker("drain", "--now", now.isoformat(), "--stall-at", str(stall_at))
        doomed.go()
        assert doomed.line() == "stalled"  # its outbox rows written, not yet committed
        doomed.kill()
    survivor = worker("drain", "--now", now.isoformat())
    survivor.go()
    survivor.report()

    assert_every_one_finished_with_one_email_per_send_step(two_emails_journey, 3_000)
    # Killed batches left no trace: each enrollment has one unbroken step log.
    steps = Counter(Step.objects.filter(journey=two_emails_journey).values_list("enrollment", flat=True))
    assert set(steps.values()) == {6}


def test_a_sender_killed_after_handing_a_batch_to_smtp_resends_it_once_with_the_same_message_ids(
    two_emails_journey: Journey, worker: Callable[..., Worker], now: datetime, smtp_server: Any
) -> None:
    enroll_many(two_emails_journey, 300, now)
    executor = worker("drain", "--now", now.isoformat())
    executor.go()
    executor.report()
    email_url = {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}"}
    doomed = worker("send", "--stall-at", "2", env=email_url)  # batches of 200: 600 messages
    doomed.go()
    assert doomed.line() == "stalled"  # its second batch is at the SMTP server, not marked sent
    doomed.kill()
    survivor = worker("send", env=email_url)
    survivor.go()
    assert survivor.report()["sent"] == 400  # the batch it lost, and the last one

    stored = set(OutboundMessage.objects.values_list("message_id", flat=True))
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {OutboundMessage.Status.SENT}
    received = Counter(message.message["Message-ID"] for message in smtp_server.received)
    assert set(received) == stored  # every message arrived
    redelivered = [message_id for message_id, times in received.items() if times > 1]
    assert len(redelivered) == 200  # the killed batch, recognisable by its Message-ID
    assert set(received.values()) == {1, 2}
