"""django-q2 tasks of the contacts app: thin wrappers around services."""

from __future__ import annotations

from django.utils import timezone

from contacts.models import Audience, AudienceMember
from contacts.services.audiences import audience_sync
from contacts.services.refresh import dirty_contacts_drain
from contacts.services.segments import time_relative_segments_reevaluate


def refresh_dirty_contacts() -> int:
    """Re-evaluate segments of every contact queued by a write. Queued after each such write."""
    return dirty_contacts_drain()


def refresh_time_relative_segments() -> int:
    """Scheduled: recompute segments with "within the last N days" rules, then drain stragglers."""
    count = time_relative_segments_reevaluate()
    dirty_contacts_drain()
    return count


def sync_audience(audience_id: int) -> dict[str, int]:
    audience = Audience.objects.filter(pk=audience_id).first()
    if audience is None:
        return {}
    report = audience_sync(audience=audience)
    return report.__dict__


def sync_due_audiences() -> int:
    """Scheduled: sync every audience with members due (retries after backoff included)."""
    now = timezone.now()
    due = (
        AudienceMember.objects.filter(state__in=["pending_add", "pending_remove"], next_attempt_at__lte=now)
        .values_list("audience_id", flat=True)
        .distinct()
    )
    for audience in Audience.objects.filter(pk__in=list(due), is_active=True):
        audience_sync(audience=audience, now=now)
    return len(due)
