"""How contacts get into journeys, and what their events do to journeys they are in.

The contacts app announces batches (``contacts/signals.py``); ``journeys/receivers.py`` hands
them here, inside the transaction that recorded them:

- **entry**: every active journey whose live version has a matching trigger enrolls the
  contact, obeying its entry rules. One enrollment per trigger occurrence is enforced by the
  unique (journey, trigger key); "once per contact" uses the contact as the key; "at most N at
  the same time" by the unique (journey, contact, slot) of active enrollments. Rows go in with
  ``INSERT … ON CONFLICT DO NOTHING``, so a concurrent writer can never make a second one.
- **exit rules and awaited events**: a ``Nudge`` row per affected enrollment, applied by the
  executor at the start of its next batch (recording an event never waits for an executor).
- **goals**: a ``Conversion`` per enrollment, attributed to the last email step it was sent.

A drain of the executor is asked for on commit, so the first step runs within a second.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, Event, LifecycleStage, SegmentChange, StageChange
from flowbuilder.core.sql import rows_for_ids, rows_insert
from journeys.executor import WALKER_FIELDS, Plan, StepLog, Walker, drain_schedule, plans_for, walkers_save
from journeys.matching import (
    as_date_or_moment,
    clock_time,
    contact_date_value,
    filters_match,
    local_moment,
    zone_of,
)
from journeys.models import Conversion, Enrollment, Journey, Nudge, OutboundMessage, Step

# --- which journeys listen ---------------------------------------------------------------------


def live_plans() -> list[tuple[Journey, Plan]]:
    """Active journeys with their live version's plan (one query; plans are cached)."""
    journeys = list(
        Journey.objects.filter(status=Journey.Status.ACTIVE, live_version__isnull=False).only(
            "pk", "name", "status", "live_version_id"
        )
    )
    plans = plans_for(j.live_version_id for j in journeys if j.live_version_id)
    return [(j, plans[j.live_version_id]) for j in journeys if j.live_version_id in plans]


@dataclass
class Candidate:
    """A contact a trigger of a journey wants to enroll, for one occurrence."""

    journey: Journey
    plan: Plan
    node_id: str
    contact_id: int
    occurrence: str  # unique per journey: "event:17", "segment:4", "date:t:12:2026-12-24"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class EntryReport:
    entered: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    unknown_contact_ids: list[int] = field(default_factory=list)  # asked for by hand, no such contact

    def refuse(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1


# --- creating enrollments ------------------------------------------------------------------------


def stored_key(occurrence: str) -> str:
    """The trigger key as stored (at most 200 characters): a longer one keeps its start and is
    told apart by a hash of the whole, so two long keys never become one."""
    if len(occurrence) <= 200:
        return occurrence
    return f"{occurrence[:135]}#{hashlib.sha256(occurrence.encode()).hexdigest()}"  # 200 in all


def enrollments_create(candidates: Sequence[Candidate], *, now: datetime) -> EntryReport:
    """Enroll the candidates their journeys' entry rules allow; returns what happened.

    Refusals (counted by reason): ``already_entered`` (once per contact), ``still_in`` (enters
    again only after finishing), ``too_soon`` (not enough days since the last entry),
    ``limit`` (as many times at once as allowed), ``duplicate`` (this occurrence already enrolled).
    """
    report = EntryReport()
    if not candidates:
        return report
    journey_ids = {c.journey.pk for c in candidates}
    contact_ids = {c.contact_id for c in candidates}
    history: dict[tuple[int, int], list[tuple[str, int, datetime]]] = {}
    # The contacts' enrollments, of every journey in one query (few per contact), kept for ours.
    columns = ("journey", "contact", "state", "slot", "entered_at")
    for journey_id, contact_id, state, slot, entered_at in rows_for_ids(Enrollment, "contact", contact_ids, columns):
        if journey_id in journey_ids:
            history.setdefault((journey_id, contact_id), []).append((state, slot, entered_at))
    rows: list[tuple[Any, ...]] = []  # ENROLLMENT_COLUMNS: no model objects for 10,000 contacts
    keys: set[tuple[int, str]] = set()
    for candidate in candidates:
        entry = candidate.plan.settings.get("entry") or {}
        policy = entry.get("reentry", "never")
        past = history.setdefault((candidate.journey.pk, candidate.contact_id), [])
        active_slots = {slot for state, slot, _at in past if state == Enrollment.State.ACTIVE}
        key, slot = stored_key(candidate.occurrence), 1
        if policy == "never":
            if past:
                report.refuse("already_entered")
                continue
            key = f"contact:{candidate.contact_id}"
        elif policy in ("after_finish", "after_days"):
            if active_slots:
                report.refuse("still_in")
                continue
            last = max((at for _s, _slot, at in past), default=None)
            if policy == "after_days" and last is not None and last > now - timedelta(days=int(entry.get("days", 30))):
                report.refuse("too_soon")
                continue
        else:  # concurrent
            free = [n for n in range(1, int(entry.get("limit", 3)) + 1) if n not in active_slots]
            if not free:
                report.refuse("limit")
                continue
            slot = free[0]
        if (candidate.journey.pk, key) in keys:
            report.refuse("duplicate")
            continue
        keys.add((candidate.journey.pk, key))
        past.append((Enrollment.State.ACTIVE, slot, now))
        rows.append(
            (
                candidate.journey.pk,
                candidate.plan.version_id,
                candidate.contact_id,
                candidate.node_id,
                key,
                candidate.data,
                slot,
            )
        )
    if rows:
        # One statement; the unique constraints leave out an occurrence enrolled before and a
        # place already taken (also by a concurrent writer), and only what went in is counted.
        fresh = {"entered_at": now, "node_entered_at": now, "due_at": now, "state": Enrollment.State.ACTIVE}
        fresh |= {"steps": 0, "attempts": 0, "last_error": "", "exit_reason": ""}
        report.entered = rows_insert(Enrollment, ENROLLMENT_COLUMNS, rows, same=fresh)
        if len(rows) > report.entered:
            # Enrolled before (a retried request, an event seen twice) or by a concurrent writer.
            report.refused["duplicate"] = report.refused.get("duplicate", 0) + len(rows) - report.entered
        if report.entered:
            transaction.on_commit(drain_schedule)
    return report


# A new enrollment's fields, in the order ``enrollments_create`` builds its rows.
ENROLLMENT_COLUMNS = ("journey", "version", "contact", "node_id", "trigger_key", "trigger_data", "slot")


# --- announcements from the contacts app ----------------------------------------------------------


def _event_data(event: Event) -> dict[str, Any]:
    return {
        "kind": "event",
        "event": event.name,
        "event_id": event.pk,
        "occurred_at": event.occurred_at.isoformat(),
        "properties": event.properties,
    }


def journeys_on_events(events: Sequence[Event], *, now: datetime | None = None) -> None:
    """New events: enroll on event triggers, nudge exit rules and waits, count goals."""
    if not events:
        return
    now = now or timezone.now()
    candidates = []
    for journey, plan in live_plans():
        for node in plan.triggers():
            config = node.get("config") or {}
            if config.get("kind", "event") != "event":
                continue
            for event in events:
                if event.name == config.get("event") and filters_match(config.get("where"), event.properties):
                    candidates.append(
                        Candidate(journey, plan, node["id"], event.contact_id, f"event:{event.pk}", _event_data(event))
                    )
    enrollments_create(candidates, now=now)
    _events_for_enrollments(events, now=now)


def _events_for_enrollments(events: Sequence[Event], *, now: datetime) -> None:
    by_contact: dict[int, list[Event]] = {}
    for event in events:
        by_contact.setdefault(event.contact_id, []).append(event)
    horizon = now - timedelta(days=366)
    rows = list(
        Enrollment.objects.filter(contact_id__any=list(by_contact), entered_at__gte=horizon)
        .filter(Q(state=Enrollment.State.ACTIVE) | Q(conversion__isnull=True))
        .values_list("pk", "journey_id", "version_id", "contact_id", "node_id", "state", "entered_at")
    )
    if not rows:
        return
    plans = plans_for({row[2] for row in rows})
    nudges: list[Nudge] = []
    conversions: list[tuple[int, Plan, int, Event]] = []
    converted = set(
        Conversion.objects.filter(enrollment_id__in=[r[0] for r in rows]).values_list("enrollment_id", flat=True)
    )
    for pk, _journey_id, version_id, contact_id, node_id, state, entered_at in rows:
        plan = plans[version_id]
        for event in by_contact[contact_id]:
            if state == Enrollment.State.ACTIVE:
                rule = _matching_exit_rule(plan, event)
                if rule is not None:
                    reason = _("Left when %(event)s happened (exit rule).") % {"event": event.name}
                    nudges.append(Nudge(enrollment_id=pk, kind=Nudge.Kind.EXIT, reason=reason, created_at=now))
                elif _awaits(plan, node_id, event):
                    nudges.append(Nudge(enrollment_id=pk, kind=Nudge.Kind.WAKE, node_id=node_id, created_at=now))
            goal = plan.settings.get("goal")
            if (
                goal
                and pk not in converted
                and event.name == goal.get("event")
                and entered_at <= event.occurred_at + timedelta(seconds=1)
                and event.occurred_at <= entered_at + timedelta(days=int(goal.get("within_days", 30)))
                and filters_match(goal.get("where"), event.properties)
            ):
                converted.add(pk)
                conversions.append((pk, plan, contact_id, event))
    if nudges:
        Nudge.objects.bulk_create(nudges)
        transaction.on_commit(drain_schedule)
    if conversions:
        _conversions_record(conversions, now=now)


def _matching_exit_rule(plan: Plan, event: Event) -> Mapping[str, Any] | None:
    for rule in plan.settings.get("exit_rules") or []:
        if (
            rule.get("kind") == "event"
            and rule.get("event") == event.name
            and filters_match(rule.get("where"), event.properties)
        ):
            return rule
    return None


def _awaits(plan: Plan, node_id: str, event: Event) -> bool:
    node = plan.nodes.get(node_id) or {}
    config = node.get("config") or {}
    return (
        node.get("type") == "wait"
        and config.get("mode") == "event"
        and config.get("event") == event.name
        and filters_match(config.get("where"), event.properties)
    )


def _conversions_record(conversions: list[tuple[int, Plan, int, Event]], *, now: datetime) -> None:
    """Conversions with the last email step each enrollment was sent (insert only)."""
    ids = [pk for pk, *_rest in conversions]
    last_email: dict[int, str] = {}
    for enrollment_id, node_id in (
        OutboundMessage.objects.filter(enrollment_id__in=ids, status=OutboundMessage.Status.SENT)
        .order_by("enrollment_id", "created_at", "pk")
        .values_list("enrollment_id", "node_id")
    ):
        last_email[enrollment_id] = node_id  # ordered: the last one wins
    Conversion.objects.bulk_create(
        [
            Conversion(
                enrollment_id=pk,
                journey_id=plan.journey_id,
                version_id=plan.version_id,
                contact_id=contact_id,
                event=event,
                email_node_id=last_email.get(pk, ""),
                converted_at=event.occurred_at if event.occurred_at <= now else now,
            )
            for pk, plan, contact_id, event in conversions
        ],
        ignore_conflicts=True,
    )


def journeys_on_segment_changes(changes: Sequence[SegmentChange], *, now: datetime | None = None) -> None:
    """Segment entries and exits: enroll on segment triggers, nudge segment exit rules."""
    if not changes:
        return
    now = now or timezone.now()
    kinds: dict[str, str] = {
        SegmentChange.Change.ENTERED: "segment_entered",
        SegmentChange.Change.EXITED: "segment_exited",
    }
    candidates = []
    for journey, plan in live_plans():
        for node in plan.triggers():
            config = node.get("config") or {}
            for change in changes:
                if config.get("kind") == kinds.get(change.change) and config.get("segment") == change.segment_id:
                    data = {"kind": kinds[change.change], "segment_id": change.segment_id}
                    candidates.append(
                        Candidate(journey, plan, node["id"], change.contact_id, f"segment:{change.pk}", data)
                    )
    enrollments_create(candidates, now=now)
    by_contact: dict[int, list[SegmentChange]] = {}
    for change in changes:
        by_contact.setdefault(change.contact_id, []).append(change)
    rows = list(
        Enrollment.objects.filter(contact_id__in=by_contact, state=Enrollment.State.ACTIVE).values_list(
            "pk", "version_id", "contact_id"
        )
    )
    plans = plans_for({row[1] for row in rows})
    nudges = []
    for pk, version_id, contact_id in rows:
        for rule in plans[version_id].settings.get("exit_rules") or []:
            if any(
                rule.get("kind") == kinds.get(c.change) and rule.get("segment") == c.segment_id
                for c in by_contact[contact_id]
            ):
                reason = _("Left on a segment change (exit rule).")
                nudges.append(Nudge(enrollment_id=pk, kind=Nudge.Kind.EXIT, reason=reason, created_at=now))
                break
    if nudges:
        Nudge.objects.bulk_create(nudges)
        transaction.on_commit(drain_schedule)


def journeys_on_stage_changes(changes: Sequence[StageChange], *, now: datetime | None = None) -> None:
    """Stage changes: enroll on "reaches a lifecycle stage" triggers."""
    if not changes:
        return
    now = now or timezone.now()
    stage_keys = dict(LifecycleStage.objects.values_list("pk", "key"))
    candidates = []
    for journey, plan in live_plans():
        for node in plan.triggers():
            config = node.get("config") or {}
            if config.get("kind") != "stage_changed":
                continue
            for change in changes:
                if change.to_stage_id is not None and stage_keys.get(change.to_stage_id) == config.get("stage"):
                    data = {"kind": "stage_changed", "stage": config.get("stage")}
                    candidates.append(
                        Candidate(journey, plan, node["id"], change.contact_id, f"stage:{change.pk}", data)
                    )
    enrollments_create(candidates, now=now)


# --- by hand and through the API -------------------------------------------------------------------


def journey_enroll(
    *, journey: Journey, contact_ids: Iterable[int], key: str | None = None, now: datetime | None = None
) -> EntryReport:
    """Enroll contacts by hand (the API, a segment): at the live version's first trigger, obeying
    the entry rules. ``key`` makes a retried request enroll nobody twice (default: a new one)."""
    from django.core.exceptions import ValidationError

    now = now or timezone.now()
    if journey.status != Journey.Status.ACTIVE or journey.live_version_id is None:
        raise ValidationError({"journey": [_("Only a published, active journey can take contacts.")]})
    plan = plans_for([journey.live_version_id])[journey.live_version_id]
    triggers = plan.triggers()
    if not triggers:
        raise ValidationError({"journey": [_("The journey has no trigger.")]})
    node = next((t for t in triggers if (t.get("config") or {}).get("kind") == "manual"), triggers[0])
    key = key or uuid.uuid4().hex
    wanted = set(contact_ids)  # read once: it may be a generator
    existing = set(Contact.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    report = enrollments_create(
        [Candidate(journey, plan, node["id"], pk, f"manual:{key}:{pk}", {"kind": "manual"}) for pk in sorted(existing)],
        now=now,
    )
    report.unknown_contact_ids = sorted(wanted - existing)
    return report


# --- date triggers -----------------------------------------------------------------------------------


def date_triggers_scan(*, now: datetime | None = None, lookback: timedelta = timedelta(days=1)) -> int:
    """Enroll contacts whose date (``trial_ends_at`` + offset, a yearly birthday) came up at the
    trigger's time of day in their time zone within ``lookback`` (the scan runs every few minutes;
    the occurrence key makes a second scan enroll nobody twice). Returns how many entered."""
    now = now or timezone.now()
    entered = 0
    for journey, plan in live_plans():
        for node in plan.triggers():
            config = node.get("config") or {}
            if config.get("kind") != "date" or not config.get("date_attribute"):
                continue
            candidates = [
                Candidate(journey, plan, node["id"], contact_id, f"date:{node['id']}:{contact_id}:{day}", data)
                for contact_id, day, data in _dates_due(config, now=now, lookback=lookback)
            ]
            entered += enrollments_create(candidates, now=now).entered
    return entered


def _dates_due(
    config: Mapping[str, Any], *, now: datetime, lookback: timedelta
) -> Iterable[tuple[int, date, dict[str, Any]]]:
    name = config["date_attribute"]
    offset = int(config.get("offset_days") or 0)
    yearly = config.get("repeat") == "yearly"
    at = clock_time(config.get("time_of_day"))
    field_name = name if name in ("created_at", "last_seen_at", "first_order_at", "last_order_at") else None
    contacts = Contact.objects.only("pk", "timezone", "attributes", *([field_name] if field_name else []))
    contacts = contacts.filter(
        **({f"{field_name}__isnull": False} if field_name else {"attributes__has_key": name.split(".")[0]})
    )
    for contact in contacts.iterator(chunk_size=2000):
        value = as_date_or_moment(contact_date_value(contact, name))
        if value is None:
            continue
        zone = zone_of(contact)
        day = value.astimezone(zone).date() if isinstance(value, datetime) else value
        for year in (now.year - 1, now.year, now.year + 1) if yearly else (None,):
            try:
                base = day.replace(year=year) if year else day
            except ValueError:  # 29 February in a year without one: the 28th
                base = day.replace(year=year, day=28)  # type: ignore[arg-type]
            target_day = base + timedelta(days=offset)
            moment = local_moment(target_day, at, zone)
            if now - lookback < moment <= now:
                yield contact.pk, target_day, {"kind": "date", "date_attribute": name, "date": target_day.isoformat()}


# --- applying nudges (the executor calls this at the start of each batch) ---------------------------


def exits_record(exits: Sequence[tuple[Walker, str]], *, now: datetime) -> None:
    """Take these enrollments (locked, active) out of their journeys at the step they are at,
    each with its reason: an ``exited`` step in the log, and their state, reason and end set.
    Open canvases are told on commit. What an exit rule, a person in admin and archiving do."""
    if not exits:
        return
    log = StepLog()
    plans = plans_for({walker.version_id for walker, _reason in exits})
    for walker, reason in exits:
        node = plans[walker.version_id].nodes.get(walker.node_id)
        log.add(walker, node, Step.Outcome.EXITED, at=now, reason=reason)
        walker.state, walker.finished_at, walker.due_at = Enrollment.State.EXITED, now, None
        walker.exit_reason = reason[:300]
    log.write()
    walkers_save([walker for walker, _reason in exits])
    from journeys.live import live_counts_changed

    left = {walker.journey_id for walker, _reason in exits}
    transaction.on_commit(lambda: live_counts_changed(left))


def nudges_apply(*, now: datetime, limit: int = 1000) -> int:
    """Apply pending nudges whose enrollment no executor holds: exits leave at once (recorded at
    their current step), wake-ups make a waiting enrollment due now. Returns how many applied."""
    nudges = list(Nudge.objects.select_for_update(skip_locked=True).order_by("pk")[:limit])
    if not nudges:
        return 0
    ids = {n.enrollment_id for n in nudges}
    held = {
        row[0]: Walker.of(row)
        for row in Enrollment.objects.select_for_update(skip_locked=True)
        .filter(pk__in=ids)
        .filter(state=Enrollment.State.ACTIVE)
        .values_list(*WALKER_FIELDS)
    }
    gone = set(
        Enrollment.objects.filter(pk__in=ids).exclude(state=Enrollment.State.ACTIVE).values_list("pk", flat=True)
    )
    exits: list[tuple[Walker, str]] = []
    leaving: set[int] = set()
    woken: list[int] = []
    done: list[int] = []
    for nudge in nudges:
        walker = held.get(nudge.enrollment_id)
        if walker is None:
            if nudge.enrollment_id in gone:
                done.append(nudge.pk)
            continue  # locked by a running batch: next time
        done.append(nudge.pk)
        if walker.id in leaving:
            continue
        if nudge.kind == Nudge.Kind.EXIT:
            exits.append((walker, nudge.reason))
            leaving.add(walker.id)
        elif nudge.node_id == walker.node_id:
            woken.append(walker.id)
    exits_record(exits, now=now)
    if woken:
        Enrollment.objects.filter(pk__in=woken, state=Enrollment.State.ACTIVE).update(due_at=now)
    Nudge.objects.filter(pk__in=done).delete()
    return len(done)
