"""Audiences: who should be in them, and syncing that to each audience's provider."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Audience, AudienceMember, Contact
from contacts.providers import provider_class
from contacts.providers.base import Member, ProviderError, email_hash

MAX_ATTEMPTS = 6
State = AudienceMember.State


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 … minutes after each failed attempt."""
    return timedelta(minutes=2 ** max(0, attempts - 1))


def audience_save(
    *,
    audience: Audience | None = None,
    name: str,
    provider: str,
    config: Mapping[str, Any] | None = None,
    secrets: Mapping[str, Any] | None = None,
    is_active: bool = True,
) -> Audience:
    """Create or change an audience. Secrets given replace stored ones; omitted ones are kept."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the audience a name.")]
    elif Audience.objects.filter(name__iexact=name).exclude(pk=audience.pk if audience else 0).exists():
        errors["name"] = [_("Another audience is already called “%(name)s”.") % {"name": name}]
    if provider not in Audience.Provider.values:
        errors["provider"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Audience.Provider.values)}]
        raise ValidationError(errors)
    cls = provider_class(provider)
    config = dict(config or {})
    merged_secrets = dict(audience.secrets if audience and audience.provider == provider else {})
    merged_secrets.update({k: v for k, v in (secrets or {}).items() if v not in (None, "")})
    known = {f.name for f in cls.fields}
    for key in [*config, *(secrets or {})]:
        if key not in known:
            errors[f"config.{key}"] = [_("Unknown setting for this provider.")]
    for setting in cls.fields:
        store = merged_secrets if setting.secret else config
        value = store.get(setting.name)
        if setting.required and value in (None, ""):
            errors[f"{'secrets' if setting.secret else 'config'}.{setting.name}"] = [_("This setting is required.")]
        elif value not in (None, "") and not isinstance(value, str | int):
            errors[f"config.{setting.name}"] = [_("Expected a text.")]
    if (
        provider == "webhook"
        and isinstance(config.get("url"), str)
        and not config["url"].startswith(("https://", "http://"))
    ):
        errors["config.url"] = [_("Expected an http:// or https:// address.")]
    if errors:
        raise ValidationError(errors)
    audience = audience or Audience()
    audience.name, audience.provider, audience.config, audience.secrets, audience.is_active = (
        name,
        provider,
        config,
        merged_secrets,
        is_active,
    )
    audience.save()
    return audience


@transaction.atomic
def audience_members_add(*, audience: Audience, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Queue contacts to be added; those already in (or on their way) are left alone. Returns how many were queued."""
    now = now or timezone.now()
    ids = set(contact_ids)
    rows = {m.contact_id: m for m in AudienceMember.objects.filter(audience=audience, contact_id__in=ids)}
    emails = dict(Contact.objects.filter(pk__in=ids - set(rows)).values_list("pk", "email"))
    AudienceMember.objects.bulk_create(
        [
            AudienceMember(
                audience=audience,
                contact_id=pk,
                email_hash=email_hash(email),
                state=State.PENDING_ADD,
                wanted="in",
                next_attempt_at=now,
            )
            for pk, email in emails.items()
        ],
        ignore_conflicts=True,
    )
    back_in = [pk for pk, m in rows.items() if pk is not None and (m.wanted == "out" or m.state == State.FAILED)]
    AudienceMember.objects.filter(audience=audience, contact_id__in=back_in).update(
        state=State.PENDING_ADD, wanted="in", attempts=0, next_attempt_at=now, last_error="", updated_at=now
    )
    queued = len(emails) + len(back_in)
    if queued:
        transaction.on_commit(lambda: audience_sync_schedule(audience.pk))
    return queued


@transaction.atomic
def audience_members_remove(*, audience: Audience, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Queue contacts to be removed. Ones never sent to the provider are simply dropped."""
    now = now or timezone.now()
    members = AudienceMember.objects.filter(audience=audience, contact_id__in=set(contact_ids), wanted="in")
    never_sent = members.filter(synced_at__isnull=True)
    dropped = never_sent.update(state=State.REMOVED, wanted="out", next_attempt_at=None, updated_at=now)
    queued = members.exclude(synced_at__isnull=True).update(
        state=State.PENDING_REMOVE, wanted="out", attempts=0, next_attempt_at=now, last_error="", updated_at=now
    )
    if queued:
        transaction.on_commit(lambda: audience_sync_schedule(audience.pk))
    return queued + dropped


def audience_members_forget(*, contact_ids: Iterable[int]) -> None:
    """Before contacts are erased: remove them everywhere they were sent; forget the rest.

    The rows that must still be removed at a provider keep only the email hash once the
    contact row is deleted (``on_delete=SET_NULL``); the plain email is not kept.
    """
    ids = set(contact_ids)
    now = timezone.now()
    AudienceMember.objects.filter(contact_id__in=ids, synced_at__isnull=True).delete()
    sent = AudienceMember.objects.filter(contact_id__in=ids).exclude(state=State.REMOVED)
    audiences = set(sent.values_list("audience_id", flat=True))
    sent.update(state=State.PENDING_REMOVE, wanted="out", attempts=0, next_attempt_at=now, last_error="")
    AudienceMember.objects.filter(contact_id__in=ids, state=State.REMOVED).delete()
    for audience_id in audiences:
        transaction.on_commit(partial(audience_sync_schedule, audience_id))


def audience_sync_schedule(audience_id: int) -> None:
    from django_q.tasks import async_task

    async_task("contacts.tasks.sync_audience", audience_id, task_name=f"audience.sync.{audience_id}", group="audiences")


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    retrying: int = 0
    failed: int = 0


def audience_sync(*, audience: Audience, now: datetime | None = None, max_batches: int = 50) -> SyncReport:
    """Send due pending members to the provider in batches; record success, retry or failure.

    Each batch is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and settled in the same
    transaction, so two sync workers never send the same member twice. A failed batch is
    retried with exponential backoff; after ``MAX_ATTEMPTS`` (or a permanent error) its
    members are marked failed with the error, visible in the app and admin.
    """
    report = SyncReport()
    if not audience.is_active:
        return report
    provider = provider_class(audience.provider)(audience.config, audience.secrets)
    for action, state in (("add", State.PENDING_ADD), ("remove", State.PENDING_REMOVE)):
        for _batch in range(max_batches):
            now = now or timezone.now()
            with transaction.atomic():
                rows = list(
                    AudienceMember.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(audience=audience, state=state)
                    .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                    .select_related("contact")
                    .order_by("id")[: provider.batch_size]
                )
                if not rows:
                    break
                members = [
                    Member(
                        email=row.contact.email if row.contact else None,
                        email_hash=row.email_hash or email_hash(row.contact.email if row.contact else None),
                        external_id=row.contact.external_id if row.contact else None,
                    )
                    for row in rows
                ]
                ids = [row.pk for row in rows]
                try:
                    getattr(provider, action)(members)
                except ProviderError as exc:
                    _record_failure(audience, rows, exc, now=now, report=report)
                    break
                done = State.ADDED if action == "add" else State.REMOVED
                AudienceMember.objects.filter(pk__in=ids).update(
                    state=done, attempts=0, next_attempt_at=None, last_error="", synced_at=now, updated_at=now
                )
                AudienceMember.objects.filter(pk__in=ids, contact__isnull=True, state=State.REMOVED).delete()
                if action == "add":
                    report.added += len(ids)
                else:
                    report.removed += len(ids)
                Audience.objects.filter(pk=audience.pk).update(last_synced_at=now, last_error="")
    return report


def _record_failure(
    audience: Audience, rows: list[AudienceMember], exc: ProviderError, *, now: datetime, report: SyncReport
) -> None:
    attempts = max(row.attempts for row in rows) + 1
    ids = [row.pk for row in rows]
    if exc.permanent or attempts >= MAX_ATTEMPTS:
        AudienceMember.objects.filter(pk__in=ids).update(
            state=State.FAILED, attempts=attempts, next_attempt_at=None, last_error=exc.message[:2000], updated_at=now
        )
        report.failed += len(ids)
    else:
        AudienceMember.objects.filter(pk__in=ids).update(
            attempts=attempts, next_attempt_at=now + backoff(attempts), last_error=exc.message[:2000], updated_at=now
        )
        report.retrying += len(ids)
    Audience.objects.filter(pk=audience.pk).update(last_error=exc.message[:2000])


def audience_members_retry(*, audience: Audience, now: datetime | None = None) -> int:
    """Put failed members back in the queue (after fixing the audience's settings, say)."""
    now = now or timezone.now()
    failed = AudienceMember.objects.filter(audience=audience, state=State.FAILED)
    queued = failed.filter(wanted="in").update(state=State.PENDING_ADD, attempts=0, next_attempt_at=now, updated_at=now)
    queued += failed.filter(wanted="out").update(
        state=State.PENDING_REMOVE, attempts=0, next_attempt_at=now, updated_at=now
    )
    if queued:
        transaction.on_commit(lambda: audience_sync_schedule(audience.pk))
    return queued
