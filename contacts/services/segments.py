"""Segments: save them, keep their membership current, record and announce entries and exits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts import rules, signals
from contacts.models import Contact, LifecycleStage, Segment, SegmentChange, SegmentMembership, StageChange, StageRule
from contacts.services.evaluation import memberships_evaluate

# How many segments one evaluation query annotates; more makes the SQL unwieldy. (Fifty
# took PostgreSQL ~3 ms to plan, once per prepared statement, and ~2 ms to run for a contact.)
SEGMENTS_PER_QUERY = 50
WRITE_CHUNK = 5000


def rule_context(*, now: datetime) -> rules.Context:
    """Everything ``rules.compile_rule`` needs from the database, read once."""
    return rules.Context(
        now=now,
        stage_ids=dict(LifecycleStage.objects.values_list("key", "pk")),
        segments={
            pk: (kind, r) for pk, kind, r in Segment.objects.filter(is_active=True).values_list("pk", "kind", "rules")
        },
    )


def rule_validate(rule: Any, *, segment_id: int | None = None, field: str = "rules") -> None:
    """Validate a rule against this workspace (stages and segments that exist, no cycles).

    Raises ``ValidationError`` whose keys are ``field`` joined with the path of each problem,
    e.g. ``rules.all.1.op``.
    """
    try:
        rules.validate(
            rule,
            stage_keys=set(LifecycleStage.objects.values_list("key", flat=True)),
            segments={pk: (kind, r) for pk, kind, r in Segment.objects.values_list("pk", "kind", "rules")},
            segment_id=segment_id,
        )
    except rules.RuleErrors as exc:
        raise ValidationError(
            {f"{field}.{path}" if path else field: messages for path, messages in exc.errors.items()}
        ) from None


@transaction.atomic
def segment_save(
    *,
    segment: Segment | None = None,
    name: str,
    description: str = "",
    kind: str = Segment.Kind.DYNAMIC,
    rule: Any = None,
    is_active: bool = True,
    now: datetime | None = None,
) -> Segment:
    """Create or change a segment, then bring its membership up to date.

    Raises ``ValidationError`` naming the field (rule problems under ``rules.<path>``); nothing
    is stored then.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the segment a name.")]
    elif Segment.objects.filter(name__iexact=name).exclude(pk=segment.pk if segment else 0).exists():
        errors["name"] = [_("Another segment is already called “%(name)s”.") % {"name": name}]
    if kind not in Segment.Kind.values:
        errors["kind"] = [_("Use dynamic or static.")]
    if kind == Segment.Kind.DYNAMIC:
        if rule is None:
            errors["rules"] = [_("A rule-based segment needs rules.")]
        else:
            try:
                rule_validate(rule, segment_id=segment.pk if segment else None)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    elif rule is not None:
        errors["rules"] = [_("A static segment has no rules; add and remove its contacts instead.")]
    if errors:
        raise ValidationError(errors)
    segment = segment or Segment()
    segment.name, segment.description, segment.kind, segment.rules, segment.is_active = (
        name,
        (description or "")[:500],
        kind,
        rule,
        is_active,
    )
    segment.uses_time = kind == Segment.Kind.DYNAMIC and rules.uses_time(rule, rule_context(now=now).segments)
    segment.save()
    if kind == Segment.Kind.DYNAMIC:
        segment_reevaluate(segment, now=now)
        segment.refresh_from_db(fields=["member_count", "evaluated_at"])
    return segment


def segment_members(segment_or_rule: Segment | Any, *, now: datetime) -> Any:
    """Contacts in a dynamic segment (or matching an unsaved rule) at ``now``, as a queryset."""
    rule = segment_or_rule.rules if isinstance(segment_or_rule, Segment) else segment_or_rule
    if isinstance(segment_or_rule, Segment) and segment_or_rule.kind == Segment.Kind.STATIC:
        return Contact.objects.filter(segment_memberships__segment=segment_or_rule)
    return Contact.objects.filter(rules.compile_rule(rule, rule_context(now=now)))


def segment_reevaluate(segment: Segment, *, now: datetime) -> tuple[int, int]:
    """Recompute a whole dynamic segment. Returns (entered, exited)."""
    if segment.kind != Segment.Kind.DYNAMIC or not segment.is_active:
        return 0, 0
    with transaction.atomic():
        wanted = set(segment_members(segment, now=now).values_list("pk", flat=True))
        current = set(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True))
        entered, exited = wanted - current, current - wanted
        _apply({segment.pk: entered}, {segment.pk: exited}, now=now)
        Segment.objects.filter(pk=segment.pk).update(member_count=len(wanted), evaluated_at=now)
    return len(entered), len(exited)


def contacts_reevaluate(contact_ids: Sequence[int], *, now: datetime) -> list[SegmentChange]:
    """Re-evaluate every active dynamic segment for these contacts, in a few queries.

    Each query selects the contacts with one boolean column per segment (compiled once per
    set of segments, see ``evaluation``). Entries and exits are recorded, counted and
    announced.
    """
    ids = sorted(set(contact_ids))
    if not ids:
        return []
    context = rule_context(now=now)
    segments = [
        (pk, rule) for pk, (kind, rule) in context.segments.items() if kind == Segment.Kind.DYNAMIC and rule is not None
    ]
    if not segments:
        return []
    wanted: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(segments), SEGMENTS_PER_QUERY):
        chunk = segments[start : start + SEGMENTS_PER_QUERY]
        for contact_id, *inside in memberships_evaluate(chunk, ids, context):
            for (segment_id, _rule), member in zip(chunk, inside, strict=True):
                if member:
                    wanted[segment_id].add(contact_id)
    current: dict[int, set[int]] = defaultdict(set)
    for segment_id, contact_id in SegmentMembership.objects.filter(
        contact_id__in=ids, segment_id__in=[pk for pk, _rule in segments]
    ).values_list("segment_id", "contact_id"):
        current[segment_id].add(contact_id)
    entered = {pk: wanted[pk] - current[pk] for pk, _rule in segments}
    exited = {pk: current[pk] - wanted[pk] for pk, _rule in segments}
    return _apply(entered, exited, now=now)


def _apply(entered: Mapping[int, set[int]], exited: Mapping[int, set[int]], *, now: datetime) -> list[SegmentChange]:
    """Write membership changes, history rows and counts; announce; run segment stage rules."""
    changes: list[SegmentChange] = []
    for segment_id, contact_ids in entered.items():
        for chunk in _chunks(sorted(contact_ids)):
            SegmentMembership.objects.bulk_create(
                [SegmentMembership(segment_id=segment_id, contact_id=c, entered_at=now) for c in chunk],
                ignore_conflicts=True,
            )
            changes += SegmentChange.objects.bulk_create(
                [SegmentChange(segment_id=segment_id, contact_id=c, change="entered", changed_at=now) for c in chunk]
            )
        if contact_ids:
            Segment.objects.filter(pk=segment_id).update(member_count=F("member_count") + len(contact_ids))
    for segment_id, contact_ids in exited.items():
        for chunk in _chunks(sorted(contact_ids)):
            SegmentMembership.objects.filter(segment_id=segment_id, contact_id__in=chunk).delete()
            changes += SegmentChange.objects.bulk_create(
                [SegmentChange(segment_id=segment_id, contact_id=c, change="exited", changed_at=now) for c in chunk]
            )
        if contact_ids:
            Segment.objects.filter(pk=segment_id).update(member_count=F("member_count") - len(contact_ids))
    if changes:
        signals.segment_membership_changed.send(sender=SegmentChange, changes=changes)
        _stage_rules_for_entries({s: c for s, c in entered.items() if c}, now=now)
    return changes


def _chunks(items: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), WRITE_CHUNK):
        yield items[start : start + WRITE_CHUNK]


def _stage_rules_for_entries(entered: Mapping[int, set[int]], *, now: datetime) -> None:
    from contacts.services.contacts import stages_set

    if not entered:
        return
    for rule in StageRule.objects.filter(
        is_active=True, trigger=StageRule.Trigger.SEGMENT_ENTERED, segment_id__in=list(entered)
    ).select_related("to_stage"):
        candidates = stage_rule_candidates(rule, entered[rule.segment_id or 0], now=now)
        stages_set(contact_ids=candidates, stage=rule.to_stage, cause=StageChange.Cause.RULE, detail=rule.name, now=now)


def stage_rule_candidates(rule: StageRule, contact_ids: Iterable[int], *, now: datetime) -> list[int]:
    """The contacts a stage rule moves: its condition holds and, if ``only_forward``, the target
    is later in the funnel than where they are (side stages are always reachable)."""
    contacts = Contact.objects.filter(pk__in=list(contact_ids)).exclude(stage=rule.to_stage)
    if rule.condition:
        contacts = contacts.filter(rules.compile_rule(rule.condition, rule_context(now=now)))
    if rule.only_forward and rule.to_stage.kind == LifecycleStage.Kind.FUNNEL:
        contacts = contacts.filter(
            Q(stage__isnull=True)
            | Q(stage__kind=LifecycleStage.Kind.SIDE)
            | Q(stage__kind=LifecycleStage.Kind.FUNNEL, stage__position__lt=rule.to_stage.position)
        )
    return list(contacts.values_list("pk", flat=True))


@transaction.atomic
def static_segment_change(
    *, segment: Segment, add: Iterable[int] = (), remove: Iterable[int] = (), now: datetime | None = None
) -> list[SegmentChange]:
    """Add contacts to / remove them from a static segment (hand-picked list)."""
    if segment.kind != Segment.Kind.STATIC:
        raise ValidationError({"kind": [_("Only static segments are changed by hand; this one follows its rules.")]})
    now = now or timezone.now()
    add_ids = set(Contact.objects.filter(pk__in=set(add)).values_list("pk", flat=True))
    current = set(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True))
    changes = _apply({segment.pk: add_ids - current}, {segment.pk: set(remove) & current}, now=now)
    Segment.objects.filter(pk=segment.pk).update(evaluated_at=now)
    return changes


def time_relative_segments_reevaluate(*, now: datetime | None = None) -> int:
    """Recompute segments whose membership changes as time passes ("within the last 7 days")."""
    now = now or timezone.now()
    count = 0
    for segment in Segment.objects.filter(kind=Segment.Kind.DYNAMIC, is_active=True, uses_time=True):
        segment_reevaluate(segment, now=now)
        count += 1
    return count
