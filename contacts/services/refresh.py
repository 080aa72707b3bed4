"""The queue of contacts whose segment membership must be re-evaluated, and its drain.

Any write that can change membership (an event, a field, a tag, consent, a stage) marks the
contact dirty in the same transaction; after commit a task drains the queue in batches, and a
scheduled sweep catches anything a lost task left behind. See ``segments.contacts_reevaluate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from contacts.models import DirtyContact

DRAIN_BATCH = 500


def contacts_mark_dirty(contact_ids: Iterable[int], *, now: datetime) -> None:
    """Queue contacts for re-evaluation and make sure a drain runs after this transaction commits."""
    # Ascending, so that concurrent writers queueing the same contacts take the index locks
    # in the same order and cannot deadlock.
    ids = sorted(set(contact_ids))
    if not ids:
        return
    if connection.vendor == "postgresql":
        # One array instead of a model instance and two parameters per contact.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DirtyContact._meta.db_table} (contact_id, queued_at) "
                "SELECT unnest(%s::bigint[]), %s ON CONFLICT DO NOTHING",
                [ids, now],
            )
    else:
        DirtyContact.objects.bulk_create(
            [DirtyContact(contact_id=pk, queued_at=now) for pk in ids], ignore_conflicts=True
        )
    # One drain per transaction, however many writes it made. (A rolled-back transaction
    # drops its on_commit callbacks, so this never suppresses a later schedule.)
    pending = transaction.get_connection().run_on_commit
    if not any(entry[1] is refresh_schedule for entry in pending):
        transaction.on_commit(refresh_schedule)


def refresh_schedule() -> None:
    """Queue a drain task on the django-q2 cluster."""
    from django_q.tasks import async_task

    async_task("contacts.tasks.refresh_dirty_contacts", task_name="contacts.refresh", group="contacts")


def dirty_contacts_drain(
    *, now: datetime | None = None, batch: int = DRAIN_BATCH, max_batches: int | None = None
) -> int:
    """Re-evaluate queued contacts, a batch per transaction, until the queue is empty.

    Batches are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` so several workers can drain
    at once; a crash rolls its batch back into the queue. Returns how many contacts it handled.
    """
    from contacts.services.segments import contacts_reevaluate

    handled = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            ids = list(
                DirtyContact.objects.select_for_update(skip_locked=True)
                .order_by("queued_at")
                .values_list("contact_id", flat=True)[:batch]
            )
            if not ids:
                break
            DirtyContact.objects.filter(contact_id__any=list(ids)).delete()
            contacts_reevaluate(ids, now=now or timezone.now())
        handled += len(ids)
        batches += 1
    return handled
