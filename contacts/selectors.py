"""Reads of contacts data used by the API, the pages and other apps."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import AudienceMember, Contact, Event, LifecycleStage, Segment, SegmentMembership, Tag
from contacts.services.segments import segment_members

ORDERINGS = {
    "created_at",
    "-created_at",
    "last_seen_at",
    "-last_seen_at",
    "email",
    "-email",
    "total_revenue",
    "-total_revenue",
    "order_count",
    "-order_count",
}


def contacts_search(*, params: Mapping[str, str]) -> QuerySet[Contact]:
    """Contacts filtered by query parameters; ``ValidationError`` names a parameter it cannot use.

    ``q`` (email, external id or name contains), ``stage`` (key), ``segment`` (id), ``consent``,
    ``tag``, ``attributes.<path>`` (exact value; JSON literals such as ``12`` or ``true`` are
    typed), ``ordering`` (``-last_seen_at`` …).
    """
    contacts = Contact.objects.select_related("stage").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.only("name"))
    )
    errors: dict[str, list[str]] = {}
    for name, value in params.items():
        if "\x00" in name or "\x00" in value:
            raise ValidationError({name.replace("\x00", ""): [_("Texts may not contain the NUL character (\\u0000).")]})
    if text := params.get("q", "").strip():
        contacts = contacts.filter(
            Q(email__icontains=text)
            | Q(external_id__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
    if key := params.get("stage"):
        if not LifecycleStage.objects.filter(key=key).exists():
            errors["stage"] = [_("There is no lifecycle stage %(key)r.") % {"key": key}]
        contacts = contacts.filter(stage__key=key)
    if segment_id := params.get("segment"):
        if not segment_id.isdecimal() or not Segment.objects.filter(pk=segment_id).exists():
            errors["segment"] = [_("There is no segment %(id)s.") % {"id": segment_id}]
        else:
            contacts = contacts.filter(
                pk__in=SegmentMembership.objects.filter(segment_id=segment_id).values("contact_id")
            )
    if consent := params.get("consent"):
        if consent not in Contact.Consent.values:
            errors["consent"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Contact.Consent.values)}]
        contacts = contacts.filter(email_consent=consent)
    if tag := params.get("tag"):
        contacts = contacts.filter(tag_links__tag__name=tag)
    for name, raw in params.items():
        if name.startswith("attributes."):
            path = name.removeprefix("attributes.").replace(".", "__")
            if not path or not all(part.isidentifier() for part in path.split("__")):
                errors[name] = [_("Expected attributes.<name>, e.g. attributes.plan=pro.")]
                continue
            contacts = contacts.filter(**{f"attributes__{path}": _typed(raw)})
    ordering = params.get("ordering", "-created_at")
    if ordering not in ORDERINGS:
        errors["ordering"] = [_("Use one of: %(values)s.") % {"values": ", ".join(sorted(ORDERINGS))}]
    if errors:
        raise ValidationError(errors)
    return contacts.order_by(ordering, "-id")


def _typed(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, int | float | bool) or value is None else raw


def contact_events(*, contact: Contact, name: str | None = None) -> QuerySet[Event]:
    events = Event.objects.filter(contact=contact)
    if name:
        events = events.filter(name=name)
    return events.order_by("-occurred_at", "-id")


def contact_profile(*, contact: Contact) -> dict[str, Any]:
    """Everything the contact page shows besides the event timeline."""
    return {
        "stage_history": contact.stage_changes.select_related("from_stage", "to_stage").order_by("-changed_at", "-id")[
            :50
        ],
        "segments": Segment.objects.filter(memberships__contact=contact).order_by("name"),
        "segment_history": contact.segment_changes.select_related("segment").order_by("-changed_at", "-id")[:50],
        "audiences": AudienceMember.objects.filter(contact=contact)
        .select_related("audience")
        .order_by("audience__name"),
        "tags": list(contact.tags.values_list("name", flat=True)),
    }


def segment_preview(*, rule: Any, sample: int = 10) -> dict[str, Any]:
    """How many contacts an (unsaved, validated) rule selects now, and a few of them."""
    members = segment_members(rule, now=timezone.now())
    return {"count": members.count(), "sample": list(members.order_by("-last_seen_at", "-id")[:sample])}


# How many distinct names ``known_event_names`` looks at, at most: each costs an index probe.
EVENT_NAMES_SCANNED = 2000


def known_event_names(*, limit: int = 200) -> list[str]:
    """Event names seen so far, for pickers: the most recently seen first.

    A skip scan over the (name, occurred_at) index, not a GROUP BY over every event: one probe
    per distinct name to find the next one, one for its newest event, so opening the editor
    costs the same at ten million events as at ten. (Counting the events of each name, for a
    "most common first" order, read the whole table: about 40 ms per 100,000 events.) Names
    are looked at in alphabetical order up to ``EVENT_NAMES_SCANNED``.
    """
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE names(name, n) AS (
                SELECT (SELECT name FROM {table} ORDER BY name LIMIT 1), 1
                UNION ALL
                SELECT (SELECT e.name FROM {table} e WHERE e.name > names.name ORDER BY e.name LIMIT 1), names.n + 1
                FROM names WHERE names.name IS NOT NULL AND names.n < %s
            )
            SELECT name FROM names WHERE name IS NOT NULL
            ORDER BY (SELECT MAX(e.occurred_at) FROM {table} e WHERE e.name = names.name) DESC, name
            LIMIT %s""",  # noqa: S608 (the table name is the model's)
            [EVENT_NAMES_SCANNED, limit],
        )
        return [name for (name,) in cursor.fetchall()]


def known_attribute_names(*, sample: int = 500) -> list[str]:
    """Top-level attribute names of recently updated contacts, for pickers."""
    names: set[str] = set()
    for attributes in Contact.objects.order_by("-updated_at").values_list("attributes", flat=True)[:sample]:
        if isinstance(attributes, dict):
            names.update(attributes)
    return sorted(names)


def audience_state_counts(*, audience_ids: list[int]) -> dict[int, dict[str, int]]:
    """Members per state for each audience: ``{audience_id: {"added": 10, "failed": 1, …, "waiting": 3}}``.

    Every state is present (0 when none); ``waiting`` is pending additions plus removals.
    """
    from django.db.models import Count

    counts: dict[int, dict[str, int]] = {
        audience_id: dict.fromkeys([*AudienceMember.State.values, "waiting"], 0) for audience_id in audience_ids
    }
    rows = (
        AudienceMember.objects.filter(audience_id__in=audience_ids)
        .values_list("audience_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for audience_id, state, n in rows:
        counts[audience_id][state] = n
        if state in (AudienceMember.State.PENDING_ADD, AudienceMember.State.PENDING_REMOVE):
            counts[audience_id]["waiting"] += n
    return counts
