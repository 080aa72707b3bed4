"""Audiences: who should be in them, and syncing that to each audience's provider."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Audience, AudienceMember, Contact
from contacts.providers import provider_class
from contacts.providers.base import Member, ProviderError, email_hash
from flowbuilder.core.retries import backoff
from flowbuilder.core.sql import rows_for_ids, rows_insert

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
State = AudienceMember.State


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
    secret_names = {f.name for f in cls.fields if f.secret}
    plain_names = {f.name for f in cls.fields if not f.secret}
    # A credential given among the settings is still a credential: never store it where
    # the app, API and admin show settings.
    given_secrets = {k: v for k, v in (config or {}).items() if k in secret_names} | dict(secrets or {})
    config = {k: v for k, v in (config or {}).items() if k not in secret_names}
    merged_secrets = dict(audience.secrets if audience and audience.provider == provider else {})
    merged_secrets.update({k: v for k, v in given_secrets.items() if v not in (None, "")})
    for key in config:
        if key not in plain_names:
            errors[f"config.{key}"] = [_("Unknown setting for this provider.")]
    for key in given_secrets:
        if key not in secret_names:
            errors[f"secrets.{key}"] = [_("Unknown setting for this provider.")]
    for setting in cls.fields:
        prefix, store = ("secrets", merged_secrets) if setting.secret else ("config", config)
        value = store.get(setting.name)
        if setting.required and value in (None, ""):
            errors[f"{prefix}.{setting.name}"] = [_("This setting is required.")]
        elif value not in (None, "") and not isinstance(value, str | int):
            errors[f"{prefix}.{setting.name}"] = [_("Expected a text.")]
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
    """Queue contacts to be added; those already in (or on their way) are left alone. Returns how many were queued.

    Removed (or queued for removal) and failed members are queued again; a failed member keeps
    its last error until a sync succeeds. Ids of contacts that do not exist are ignored.
    """
    now = now or timezone.now()
    ids = set(contact_ids)
    members = rows_for_ids(AudienceMember, "contact", ids, ("contact", "wanted", "state"), audience=audience)
    rows = {pk: (wanted, state) for pk, wanted, state in members}
    # Queued (and so sent) in the order contacts were created.
    emails = sorted(Contact.objects.filter(pk__in=ids - set(rows)).values_list("pk", "email"))
    pending = {"audience": audience.pk, "state": State.PENDING_ADD, "wanted": "in", "attempts": 0}
    pending |= {"next_attempt_at": now, "last_error": "", "updated_at": now}
    hashed = [(pk, email_hash(email)) for pk, email in emails]
    created = rows_insert(AudienceMember, ("contact", "email_hash"), hashed, same=pending)
    back_in = [
        pk for pk, (wanted, state) in rows.items() if pk is not None and (wanted == "out" or state == State.FAILED)
    ]
    requeued = AudienceMember.objects.filter(audience=audience, contact_id__in=back_in).update(
        state=State.PENDING_ADD, wanted="in", attempts=0, next_attempt_at=now, updated_at=now
    )
    queued = created + requeued
    if queued:
        transaction.on_commit(partial(audience_sync_schedule, audience.pk))
    return queued


def _never_sent(members: QuerySet[AudienceMember]) -> QuerySet[AudienceMember]:
    """Members no request has carried yet. A failed attempt may still have reached the
    provider (a timeout, a 5xx), so only rows without any attempt or error qualify."""
    return members.filter(synced_at__isnull=True, attempts=0, last_error="")


@transaction.atomic
def audience_members_remove(*, audience: Audience, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Queue contacts to be removed; returns how many were. Ones never sent to the provider
    are simply dropped (marked removed without a call); ones not in the audience are ignored."""
    now = now or timezone.now()
    members = AudienceMember.objects.filter(audience=audience, contact_id__in=set(contact_ids), wanted="in")
    dropped = _never_sent(members).update(state=State.REMOVED, wanted="out", next_attempt_at=None, updated_at=now)
    # Whatever is still wanted in now was (or may have been) sent: the provider must hear of it.
    queued = members.update(
        state=State.PENDING_REMOVE, wanted="out", attempts=0, next_attempt_at=now, last_error="", updated_at=now
    )
    if queued:
        transaction.on_commit(partial(audience_sync_schedule, audience.pk))
    return queued + dropped


@transaction.atomic
def audience_members_forget(*, contact_ids: Iterable[int]) -> None:
    """Before contacts are erased: remove them everywhere they were sent; forget the rest.

    The rows that must still be removed at a provider keep only the email hash once the
    contact row is deleted (``on_delete=SET_NULL``); the plain email is not kept. Rows never
    sent, or already removed, are deleted now.
    """
    ids = set(contact_ids)
    now = timezone.now()
    members = AudienceMember.objects.filter(contact_id__in=ids)
    _never_sent(members).delete()
    members.filter(state=State.REMOVED).delete()
    # The hash is all a provider will get once the contact is gone: make sure there is one.
    unhashed = list(members.filter(email_hash="").select_related("contact"))
    for row in unhashed:
        row.email_hash = email_hash(row.contact.email if row.contact else None)
    AudienceMember.objects.bulk_update(unhashed, ["email_hash"])
    audiences = set(members.values_list("audience_id", flat=True))
    members.update(
        state=State.PENDING_REMOVE, wanted="out", attempts=0, next_attempt_at=now, last_error="", updated_at=now
    )
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
    members are marked failed with the error, visible in the app and admin. An inactive
    audience is left alone (an empty report). Additions are sent with the hash of the
    contact's current email, which is kept for the removal later; removals use that kept
    hash, the only thing left of an erased contact.
    """
    report = SyncReport()
    if not audience.is_active:
        return report
    now = now or timezone.now()
    provider = provider_class(audience.provider)(audience.config, audience.secrets)
    for action, state in (("add", State.PENDING_ADD), ("remove", State.PENDING_REMOVE)):
        for _batch in range(max_batches):
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
                members = [_member(row, action) for row in rows]
                try:
                    getattr(provider, action)(members)
                except ProviderError as exc:
                    _record_failure(audience, rows, exc, now=now, report=report)
                    break
                except Exception as exc:
                    # A bug or a broken setting, not the network: retry with backoff and
                    # show it, rather than crash the task and resend the batch every minute.
                    logger.exception("Audience %s: provider %s failed", audience.pk, audience.provider)
                    error = ProviderError(f"{type(exc).__name__}: {exc}")
                    _record_failure(audience, rows, error, now=now, report=report)
                    break
                _record_success(audience, rows, members, action=action, now=now, report=report)
    return report


def _member(row: AudienceMember, action: str) -> Member:
    contact = row.contact
    current = email_hash(contact.email if contact else None)
    return Member(
        email=contact.email if contact else None,
        email_hash=(current or row.email_hash) if action == "add" else (row.email_hash or current),
        external_id=contact.external_id if contact else None,
    )


def _record_success(
    audience: Audience,
    rows: list[AudienceMember],
    members: list[Member],
    *,
    action: str,
    now: datetime,
    report: SyncReport,
) -> None:
    ids = [row.pk for row in rows]
    if action == "add":
        # Remember what the provider now knows this person by: a later removal (after an
        # email change, or after erasure) must name the same hash.
        changed = []
        for row, member in zip(rows, members, strict=True):
            if row.email_hash != member.email_hash:
                row.email_hash = member.email_hash
                changed.append(row)
        AudienceMember.objects.bulk_update(changed, ["email_hash"])
    AudienceMember.objects.filter(pk__in=ids).update(
        state=State.ADDED if action == "add" else State.REMOVED,
        attempts=0,
        next_attempt_at=None,
        last_error="",
        synced_at=now,
        updated_at=now,
    )
    if action == "add":
        report.added += len(ids)
    else:
        # An erased contact's row was kept only for this removal.
        AudienceMember.objects.filter(pk__in=ids, contact__isnull=True).delete()
        report.removed += len(ids)
    synced = Audience.objects.filter(pk=audience.pk)
    if report.retrying or report.failed:  # an earlier batch of this run failed: keep its error
        synced.update(last_synced_at=now)
    else:
        synced.update(last_synced_at=now, last_error="")


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


@transaction.atomic
def audience_members_retry(*, audience: Audience, now: datetime | None = None) -> int:
    """Put failed members back in the queue (after fixing the audience's settings, say).

    Each goes back to where it was headed (added or removed), due at once with its attempts
    reset; its last error stays visible until a sync succeeds. Returns how many were queued.
    """
    now = now or timezone.now()
    failed = AudienceMember.objects.filter(audience=audience, state=State.FAILED)
    queued = failed.filter(wanted="in").update(state=State.PENDING_ADD, attempts=0, next_attempt_at=now, updated_at=now)
    queued += failed.filter(wanted="out").update(
        state=State.PENDING_REMOVE, attempts=0, next_attempt_at=now, updated_at=now
    )
    if queued:
        transaction.on_commit(partial(audience_sync_schedule, audience.pk))
    return queued
