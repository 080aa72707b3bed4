"""django-q2 tasks of the journeys app: thin wrappers around services."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from journeys.emails.sender import messages_send
from journeys.entries import date_triggers_scan
from journeys.executor import executor_drain
from journeys.ticker import ticker_watch
from journeys.webhooks import webhooks_send


def send_queued_messages() -> dict[str, int]:
    """Deliver due email messages (queued after each batch of sends, and every minute for retries)."""
    return messages_send().__dict__


def drain_journeys() -> dict[str, int]:
    """Run the executor until nothing is due (queued on commit by triggers and wake-ups)."""
    return executor_drain(time_limit=settings.Q_TIMEOUT / 2).as_dict()


def executor_tick() -> dict[str, int]:
    """Watch for waits coming due for ``EXECUTOR_TICK_SECONDS``, then hand over to the next tick
    at once (journeys/ticker.py). A tick that finds another one watching returns at once."""
    if not settings.EXECUTOR_TICK_SECONDS:
        return {}
    total = ticker_watch(seconds=settings.EXECUTOR_TICK_SECONDS)
    if total is None:
        return {"watching_elsewhere": 1}
    from django_q.tasks import async_task

    async_task("journeys.tasks.executor_tick", task_name="journeys.tick", group="journeys")
    return total


def journeys_sweep() -> dict[str, int]:
    """Every few minutes: date triggers that came up, and webhook requests due for a retry."""
    entered = date_triggers_scan(lookback=timedelta(days=1))
    sent = webhooks_send()
    return {"entered": entered, "webhooks_delivered": sent.delivered, "webhooks_failed": sent.failed}


def send_webhooks() -> dict[str, int]:
    """Send due webhook requests (queued when a webhook step runs)."""
    return webhooks_send().__dict__
