"""django-q2 tasks of the journeys app: thin wrappers around services."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from journeys.emails.sender import messages_send
from journeys.entries import date_triggers_scan
from journeys.executor import executor_drain, next_due
from journeys.webhooks import webhooks_send


def send_queued_messages() -> dict[str, int]:
    """Deliver due email messages (queued after each batch of sends, and every minute for retries)."""
    return messages_send().__dict__


def drain_journeys() -> dict[str, int]:
    """Run the executor until nothing is due (queued on commit by triggers and wake-ups)."""
    return executor_drain(time_limit=settings.Q_TIMEOUT / 2).as_dict()


def executor_tick() -> dict[str, int]:
    """Started every minute: for ``EXECUTOR_TICK_SECONDS`` it watches for waits coming due (one
    indexed query a second) and runs the executor when one is, so a wait ends within ~1 s."""
    deadline = time.monotonic() + settings.EXECUTOR_TICK_SECONDS
    total = {"batches": 0, "enrollments": 0, "steps": 0, "failed": 0}
    while time.monotonic() < deadline:
        due = next_due()
        if due is not None and due <= timezone.now():
            report = executor_drain(time_limit=max(1.0, deadline - time.monotonic())).as_dict()
            total = {key: total[key] + report[key] for key in total}
            continue
        time.sleep(1.0)
    return total


def journeys_sweep() -> dict[str, int]:
    """Every few minutes: date triggers that came up, and webhook requests due for a retry."""
    entered = date_triggers_scan(lookback=timedelta(days=1))
    sent = webhooks_send()
    return {"entered": entered, "webhooks_delivered": sent.delivered, "webhooks_failed": sent.failed}


def send_webhooks() -> dict[str, int]:
    """Send due webhook requests (queued when a webhook step runs)."""
    return webhooks_send().__dict__
