"""django-q2 tasks of the contacts app: thin wrappers around services."""

from __future__ import annotations

import logging
from dataclasses import asdict

from django.utils import timezone

from contacts.models import Audience, AudienceMember
from contacts.services.audiences import audience_sync
from contacts.services.refresh import dirty_contacts_drain
from contacts.services.segments import time_relative_segments_reevaluate

logger = logging.getLogger(__name__)


def refresh_dirty_contacts() -> int:
    """Re-evaluate segments of every contact queued by a write. Queued after each such write."""
    return dirty_contacts_drain()


def refresh_time_relative_segments() -> int:
    """Scheduled: recompute segments with "within the last N days" rules, then drain stragglers."""
    count = time_relative_segments_reevaluate()
    dirty_contacts_drain()
    return count


def sync_audience(audience_id: int) -> dict[str, int]:
    """Sync one audience now (queued after membership changes); ``{}`` when it was deleted."""
    audience = Audience.objects.filter(pk=audience_id).first()
    if audience is None:
        return {}
    report = audience_sync(audience=audience)
    return asdict(report)


def sync_due_audiences() -> int:
    """Scheduled: sync every active audience with members due (retries after backoff included).

    One audience that cannot be synced (a provider missing from the registry, a database
    error) is logged and skipped; the others still sync. Returns how many audiences were synced.
    """
    now = timezone.now()
    due = (
        AudienceMember.objects.filter(
            state__in=[AudienceMember.State.PENDING_ADD, AudienceMember.State.PENDING_REMOVE],
            next_attempt_at__lte=now,
        )
        .values_list("audience_id", flat=True)
        .distinct()
    )
    synced = 0
    for audience in Audience.objects.filter(pk__in=list(due), is_active=True).order_by("pk"):
        try:
            audience_sync(audience=audience, now=now)
        except Exception:
            logger.exception("Audience %s could not be synced", audience.pk)
        else:
            synced += 1
    return synced


def run_contact_import(import_id: int) -> str | None:
    """Queued by ``import_start``: import the rows, in slices of a third of the task timeout (each
    slice queues the next, so no task outlives the cluster's timeout). Returns the import's status."""
    from django.conf import settings

    from contacts.services.imports import import_run

    contact_import = import_run(import_id=import_id, time_limit=settings.Q_CLUSTER["timeout"] / 3)
    return contact_import.status if contact_import else None
