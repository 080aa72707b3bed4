"""Webhook steps' requests: stored with the step, sent afterwards by a task, retried with backoff.

The step (``journeys/nodes/webhook.py``) writes a ``WebhookDelivery`` row in its transaction and
waits; ``webhooks_send`` claims due rows (``SKIP LOCKED``), sends each signed request, and when
a delivery is done (delivered, or failed for good) wakes the enrollment, which then leaves the
step by ``next`` or ``failed``. A request that reached the other system but whose answer was
lost is sent again: receivers deduplicate by the ``Flowbuilder-Delivery`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contacts.providers.base import ProviderError
from contacts.providers.http import send
from flowbuilder.core.retries import backoff
from journeys.models import Enrollment, Journey, WebhookDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SIGNATURE_HEADER = "Flowbuilder-Signature"
DELIVERY_HEADER = "Flowbuilder-Delivery"


def signature(secret: str, timestamp: int, body: str) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` — verify it with the same secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_schedule() -> None:
    """Ask the task cluster to send due webhook requests (call it with ``transaction.on_commit``)."""
    from django_q.tasks import async_task

    async_task("journeys.tasks.send_webhooks", task_name="journeys.webhooks", group="journeys")


@dataclass
class WebhookReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def webhooks_send(*, now: datetime | None = None, limit: int = 100) -> WebhookReport:
    """Send up to ``limit`` due requests, one transaction each (a row stays locked while it is
    sent, so no other worker sends it too)."""
    from journeys.executor import drain_schedule
    from journeys.services import WEBHOOK_SECRET

    report = WebhookReport()
    for _ in range(limit):
        moment = now or timezone.now()
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True)
                .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=moment)
                .order_by("next_attempt_at")
                .first()
            )
            if delivery is None:
                break
            secret = (
                Journey.objects.filter(pk=delivery.journey_id).values_list("secrets", flat=True).first() or {}
            ).get(WEBHOOK_SECRET, "")
            headers = {"Content-Type": "application/json", **delivery.headers, DELIVERY_HEADER: str(delivery.pk)}
            if secret:
                headers[SIGNATURE_HEADER] = signature(secret, int(moment.timestamp()), delivery.body)
            delivery.attempts += 1
            try:
                kwargs = {"content": delivery.body.encode()} if delivery.method != "GET" else {}
                response = send(delivery.method, delivery.url, headers=headers, **kwargs)
            except ProviderError as exc:
                delivery.last_error = str(exc)[:2000]
                if exc.permanent or delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status, delivery.finished_at, delivery.next_attempt_at = "failed", moment, None
                    report.failed += 1
                else:
                    delivery.next_attempt_at = moment + backoff(delivery.attempts)
                    report.retrying += 1
                status_code = _status_of(str(exc))
                delivery.response_status = status_code
            else:
                delivery.status, delivery.finished_at, delivery.next_attempt_at = "delivered", moment, None
                delivery.response_status, delivery.last_error = response.status_code, ""
                report.delivered += 1
            delivery.save()
            if delivery.status != WebhookDelivery.Status.PENDING:
                # The step waits for this answer: it is due now.
                Enrollment.objects.filter(
                    pk=delivery.enrollment_id, state=Enrollment.State.ACTIVE, node_id=delivery.node_id
                ).update(due_at=moment)
                transaction.on_commit(drain_schedule)
    return report


def _status_of(message: str) -> int | None:
    marker = ": HTTP "
    if marker not in message:
        return None
    code = message.split(marker, 1)[1][:3]
    return int(code) if code.isdecimal() else None
