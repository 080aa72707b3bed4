"""Writes for journeys: drafts, publishing immutable versions, status, duplicates, export and import."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from contacts.models import Audience, Segment
from journeys.graph import (
    CheckResult,
    GraphInvalid,
    Problem,
    _reference_problems,
    config_check,
    graph_check,
    graph_parse,
)
from journeys.journey_settings import settings_clean, settings_references
from journeys.models import EmailTemplate, Enrollment, Journey, JourneyVersion
from journeys.nodes import node_type

EXPORT_FORMAT = "flowbuilder.journey"
EXPORT_VERSION = 1


def _graph_or_error(raw: Any) -> dict[str, Any]:
    try:
        return graph_parse(raw)
    except GraphInvalid as exc:
        raise ValidationError({_problem_key("graph", p): [p.message] for p in exc.problems}) from None


def _problem_key(prefix: str, problem: Problem) -> str:
    parts = [prefix]
    if problem.node_id:
        parts.append(f"nodes[{problem.node_id}]")
    elif problem.edge_id:
        parts.append(f"edges[{problem.edge_id}]")
    if problem.field:
        parts.append(problem.field)
    return ".".join(parts)


def _settings_or_error(raw: Any) -> dict[str, Any]:
    cleaned, errors = settings_clean(raw)
    if cleaned is None:
        raise ValidationError(
            {f"settings.{path}" if path else "settings": messages for path, messages in errors.items()}
        )
    return cleaned


@transaction.atomic
def journey_create(
    *, name: str, user: Any = None, description: str = "", graph: Any = None, settings: Any = None
) -> Journey:
    """A new draft journey. The graph must be readable (not yet publishable); settings must be valid."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the journey a name.")]})
    journey = Journey(
        name=name[:150],
        description=(description or "")[:500],
        draft_graph=_graph_or_error(graph if graph is not None else {"nodes": [], "edges": []}),
        settings=_settings_or_error(settings),
        created_by=user if getattr(user, "pk", None) else None,
        draft_saved_at=timezone.now(),
    )
    journey.save()
    return journey


def _draft_is(journey: Journey, *, name: Any, description: Any, graph: Any, settings: Any) -> bool:
    """Whether saving these values would store what ``journey`` has already (as saved)."""
    try:
        return (
            (name is None or (isinstance(name, str) and name.strip()[:150] == journey.name))
            and (description is None or (isinstance(description, str) and description[:500] == journey.description))
            and (graph is None or _graph_or_error(graph) == journey.draft_graph)
            and (settings is None or _settings_or_error(settings) == journey.settings)
        )
    except ValidationError:  # not even valid: not what is stored
        return False


class DraftChanged(Exception):
    """The draft was saved by someone else (another tab, another person) since ``expected``."""

    def __init__(self, journey: Journey, expected: int) -> None:
        super().__init__(f"draft revision {journey.draft_revision}, not {expected}")
        self.journey = journey


@transaction.atomic
def journey_update(
    *,
    journey: Journey,
    name: str | None = None,
    description: str | None = None,
    graph: Any = None,
    settings: Any = None,
    draft_revision: int | None = None,
) -> Journey:
    """Save the draft (any unfinished state the canvas is in), name, description or settings.

    ``draft_revision``: the revision the caller's copy of the draft is based on. If another
    save came in since, nothing is saved and ``DraftChanged`` says so (the two editors see
    each other's work instead of the last save wiping out the other) — unless what it sends
    is exactly what is stored: then it is the caller's own save again (a retry whose first
    answer was lost) and the journey is returned as stored. ``None``: save anyway. Every save
    counts one revision up. The live version is untouched: changes reach contacts only by
    publishing.
    """
    current = (
        Journey.objects.select_for_update()
        .only("status", "draft_revision", "draft_saved_at", "updated_at")
        .filter(pk=journey.pk)
        .first()
    )
    if current is None:
        raise ValidationError({"": [_("This journey was deleted.")]})
    if draft_revision is not None and draft_revision != current.draft_revision:
        current.refresh_from_db(fields=["name", "description", "draft_graph", "settings"])  # (only now)
        if _draft_is(current, name=name, description=description, graph=graph, settings=settings):
            return current
        raise DraftChanged(current, draft_revision)
    if current.status == Journey.Status.ARCHIVED:
        raise ValidationError({"status": [_("This journey is archived; duplicate it to work on it again.")]})
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": [_("Give the journey a name.")]})
        journey.name = name.strip()[:150]
    if description is not None:
        journey.description = description[:500]
    if graph is not None:
        journey.draft_graph = _graph_or_error(graph)
    if settings is not None:
        journey.settings = _settings_or_error(settings)
    journey.draft_revision = current.draft_revision + 1
    journey.draft_saved_at = timezone.now()  # any part of the draft: graph, settings, name, description
    # Only the draft's fields: a publish or pause in between keeps its status and live version.
    journey.save(
        update_fields=[
            "name", "description", "draft_graph", "draft_saved_at", "settings", "draft_revision", "updated_at"
        ]
    )  # fmt: skip
    return journey


def journey_validate(*, journey: Journey) -> CheckResult:
    """Check the draft graph and settings as publishing would."""
    result = graph_check(journey.draft_graph)
    cleaned, errors = settings_clean(journey.settings)
    for path, messages in errors.items():
        result.errors += [Problem("invalid_settings", m, field=f"settings.{path}") for m in messages]
    if cleaned is not None:
        for problem in _reference_problems([("", ref) for ref in settings_references(cleaned)]):
            problem.node_id, problem.field = None, problem.field.replace("config.", "settings.", 1)
            result.errors.append(problem)
        result.warnings += _entry_warnings(journey.draft_graph, cleaned)
    return result


def _entry_warnings(graph: Any, settings: Mapping[str, Any]) -> list[Problem]:
    """Triggers that come back (a yearly date) in a journey a contact may enter only once."""
    if (settings.get("entry") or {}).get("reentry", "never") != "never":
        return []
    return [
        Problem(
            "trigger_enters_once",
            _(
                "This trigger comes every year, but contacts may enter the journey only once: from the "
                "second year on nobody enters. Let contacts enter again after finishing (journey settings)."
            ),
            node_id=node.get("id"),
            field="config.repeat",
        )
        for node in (graph or {}).get("nodes") or []
        if isinstance(node, dict)
        and node.get("type") == "trigger"
        and isinstance(node.get("config"), dict)
        and node["config"].get("kind") == "date"
        and node["config"].get("repeat") == "yearly"
    ]


@dataclass
class PublishPlan:
    """What publishing the draft would do, for the publish dialog (nothing is changed)."""

    check: CheckResult
    diff: dict[str, Any] | None
    waiting: dict[str, int] = field(default_factory=dict)  # node id of the live version -> contacts waiting there
    would_move: int = 0
    would_stay: int = 0
    missing_nodes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.check.as_dict(),
            "diff": self.diff,
            "migration": {
                "waiting": self.waiting,
                "would_move": self.would_move,
                "would_stay": self.would_stay,
                "nodes_gone": self.missing_nodes,
            },
        }


def publish_plan(*, journey: Journey, node_map: Mapping[str, str] | None = None) -> PublishPlan:
    """Validation, the diff against the live version, and how many waiting contacts a migration would move.

    Contacts wait at nodes of the live version; with a migration, those at a node whose id is
    still in the draft (or mapped with ``node_map`` to one that is) move to the new version, the
    rest stay on the version they are on.
    """
    check = journey_validate(journey=journey)
    live = journey.live_version
    plan = PublishPlan(check=check, diff=versions_diff(live.graph, journey.draft_graph) if live else None)
    if live is None:
        return plan
    plan.waiting = dict(
        Counter(
            Enrollment.objects.filter(version=live, state=Enrollment.State.ACTIVE).values_list("node_id", flat=True)
        )
    )
    new_ids = {node["id"] for node in journey.draft_graph["nodes"]}
    for node_id, count in plan.waiting.items():
        target = (node_map or {}).get(node_id, node_id)
        if target in new_ids:
            plan.would_move += count
        else:
            plan.would_stay += count
            plan.missing_nodes.append(node_id)
    return plan


@transaction.atomic
def journey_publish(
    *,
    journey: Journey,
    user: Any = None,
    change_note: str = "",
    migrate: bool = False,
    node_map: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> tuple[JourneyVersion, PublishPlan]:
    """Publish the draft as a new immutable version and make it live.

    Refused (``ValidationError`` with every problem, by node and field) when the draft does not
    validate. With ``migrate``, contacts waiting in the live version at nodes that still exist
    (or are mapped by ``node_map``) move to the new version; the rest stay where they are.
    """
    now = now or timezone.now()
    given = journey
    journey = Journey.objects.select_for_update().get(pk=journey.pk)  # one publish at a time
    if journey.status == Journey.Status.ARCHIVED:
        raise ValidationError({"status": [_("An archived journey cannot be published.")]})
    new_ids = {node["id"] for node in journey.draft_graph["nodes"]}
    for source, target in (node_map or {}).items():
        if target not in new_ids:
            raise ValidationError({f"node_map.{source}": [_("The new version has no step %(id)r.") % {"id": target}]})
    plan = publish_plan(journey=journey, node_map=node_map)
    if not plan.check.valid:
        raise ValidationError({_problem_key("graph", p): [p.message] for p in plan.check.errors})
    graph = copy.deepcopy(journey.draft_graph)
    for node in graph["nodes"]:
        node["config"] = plan.check.configs[node["id"]]
    settings, _errors = settings_clean(journey.settings)
    number = (journey.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    previous = journey.live_version
    version = JourneyVersion.objects.create(
        journey=journey,
        number=number,
        graph=graph,
        settings=settings or {},
        change_note=(change_note or "")[:500],
        published_by=user if getattr(user, "pk", None) else None,
        published_at=now,
    )
    if migrate and previous is not None:
        for node_id in plan.waiting:
            target = (node_map or {}).get(node_id, node_id)
            if target in new_ids:
                Enrollment.objects.filter(version=previous, state=Enrollment.State.ACTIVE, node_id=node_id).update(
                    version=version, node_id=target
                )
    journey.live_version = version
    if journey.status in (Journey.Status.DRAFT, Journey.Status.ACTIVE):
        journey.status = Journey.Status.ACTIVE
    journey.save(update_fields=["live_version", "status", "updated_at"])
    given.live_version, given.status, given.updated_at = journey.live_version, journey.status, journey.updated_at
    return version, plan


def journey_set_status(*, journey: Journey, action: str, now: datetime | None = None) -> Journey:
    """``pause`` (no new entries, no progress), ``resume`` or ``archive`` (ends it for good:
    everyone still in it leaves at the step they are at, recorded in the step log)."""
    transitions = {
        "pause": ({Journey.Status.ACTIVE}, Journey.Status.PAUSED),
        "resume": ({Journey.Status.PAUSED}, Journey.Status.ACTIVE),
        "archive": ({Journey.Status.DRAFT, Journey.Status.ACTIVE, Journey.Status.PAUSED}, Journey.Status.ARCHIVED),
    }
    allowed, target = transitions[action]
    if journey.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("A journey that is %(status)s cannot be changed this way.")
                    % {"status": journey.get_status_display().lower()}
                ]
            }
        )
    journey.status = target
    journey.save(update_fields=["status", "updated_at"])
    if action == "archive":
        from journeys.interventions import enrollments_remove

        active = Enrollment.objects.filter(journey=journey, state=Enrollment.State.ACTIVE).values_list("pk", flat=True)
        enrollments_remove(enrollment_ids=list(active), reason=_("The journey was archived."), now=now)
    return journey


WEBHOOK_SECRET = "webhook_signing_secret"  # noqa: S105 - the key under which the secret is stored


def journey_set_webhook_secret(*, journey: Journey, secret: str) -> None:
    """Store the secret the journey's webhook steps sign their requests with (write-only); empty removes it."""
    secret = (secret or "").strip()
    if secret and not 16 <= len(secret) <= 200:
        raise ValidationError({"secret": [_("Use a secret of 16 to 200 characters.")]})
    secrets = dict(journey.secrets)
    if secret:
        secrets[WEBHOOK_SECRET] = secret
    else:
        secrets.pop(WEBHOOK_SECRET, None)
    journey.secrets = secrets
    journey.save(update_fields=["secrets", "updated_at"])


def journey_duplicate(*, journey: Journey, user: Any = None) -> Journey:
    return journey_create(
        name=_("%(name)s (copy)") % {"name": journey.name},
        description=journey.description,
        graph=copy.deepcopy(journey.draft_graph),
        settings=copy.deepcopy(journey.settings),
        user=user,
    )


def versions_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Steps added, removed, changed (type or settings) or only moved; connections added and removed.

    Settings are compared as validated (defaults filled in), so a draft and the version published
    from it do not differ merely because publishing filled in defaults.
    """
    old_nodes = {n["id"]: _normalised(n) for n in old.get("nodes", [])}
    new_nodes = {n["id"]: _normalised(n) for n in new.get("nodes", [])}
    changed, moved = [], []
    for node_id in sorted(old_nodes.keys() & new_nodes.keys()):
        a, b = old_nodes[node_id], new_nodes[node_id]
        if a["type"] != b["type"] or a.get("config") != b.get("config") or a.get("label") != b.get("label"):
            changed.append(node_id)
        elif a.get("position") != b.get("position"):
            moved.append(node_id)

    def edge_key(edge: Mapping[str, Any]) -> tuple[str, str, str]:
        return (edge["source"], edge.get("sourceHandle") or "next", edge["target"])

    old_edges = {edge_key(e) for e in old.get("edges", [])}
    new_edges = {edge_key(e) for e in new.get("edges", [])}
    as_dicts = lambda keys: [{"source": s, "sourceHandle": h, "target": t} for s, h, t in sorted(keys)]  # noqa: E731
    return {
        "nodes_added": sorted(new_nodes.keys() - old_nodes.keys()),
        "nodes_removed": sorted(old_nodes.keys() - new_nodes.keys()),
        "nodes_changed": changed,
        "nodes_moved": moved,
        "edges_added": as_dicts(new_edges - old_edges),
        "edges_removed": as_dicts(old_edges - new_edges),
    }


def _normalised(node: Mapping[str, Any]) -> dict[str, Any]:
    validated, _errors = config_check(node["type"], node.get("config", {}))
    return {**node, "config": validated if validated is not None else node.get("config", {})}


# --- export and import ----------------------------------------------------------------------------

_MODELS: dict[str, Any] = {"segment": Segment, "audience": Audience, "template": EmailTemplate}


def _rename_rule_segments(rule: Any, convert: Any) -> Any:
    if isinstance(rule, dict):
        if rule.get("type") == "segment" and "value" in rule:
            return {**rule, "value": convert(rule["value"])}
        return {k: _rename_rule_segments(v, convert) for k, v in rule.items()}
    if isinstance(rule, list):
        return [_rename_rule_segments(v, convert) for v in rule]
    return rule


def _map_references(graph: dict[str, Any], settings: dict[str, Any], convert: Any) -> None:
    """Apply ``convert(kind, value, node_id, field)`` to every reference to a segment, audience or template."""
    for node in graph["nodes"]:
        cls = node_type(node["type"])
        config = node["config"]
        for name in ("segment", "audience", "template"):
            if name in config and config[name] not in (None, "") and any(r.to == name for r in _declared(cls, config)):
                config[name] = convert(name, config[name], node["id"], f"config.{name}")
        if node["type"] == "condition" and "rule" in config:
            config["rule"] = _rename_rule_segments(
                config["rule"], lambda v, n=node["id"]: convert("segment", v, n, "config.rule")
            )
    for index, rule in enumerate(settings.get("exit_rules", [])):
        if rule.get("segment") not in (None, ""):
            rule["segment"] = convert("segment", rule["segment"], None, f"settings.exit_rules.{index}.segment")


def _declared(cls: Any, config: Mapping[str, Any]) -> list[Any]:
    try:
        return cls.references(config)
    except (KeyError, TypeError):
        return []


def journey_export(*, journey: Journey) -> dict[str, Any]:
    """One JSON document: graph and settings with references by name, no ids from this database."""
    graph = copy.deepcopy(journey.draft_graph)
    settings = copy.deepcopy(journey.settings)
    names = {kind: dict(model.objects.values_list("pk", "name")) for kind, model in _MODELS.items()}
    _map_references(graph, settings, lambda kind, value, *_: names[kind].get(value, value))
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "name": journey.name,
        "description": journey.description,
        "graph": graph,
        "settings": settings,
    }


def journey_document_resolve(
    *, document: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The graph and settings of an export (a gallery journey), to start a draft from, with the
    templates, segments and audiences it names turned into their ids here.

    Unlike ``journey_import``, a name that matches nothing here is not an error: the step's
    field is left empty, for the marketer to pick (validation marks it), and listed in the
    third value as ``{"node_id", "field", "kind", "name", "message"}``; an exit rule on a
    missing segment is left out. Returns ``(graph, settings, unresolved)``.
    """
    graph, settings = _document_parts(document)
    ids, labels = _reference_ids(), _reference_labels()
    unresolved: list[dict[str, Any]] = []

    def resolve(kind: str, value: Any, node_id: str | None, field_path: str) -> Any:
        found = ids[kind].get(str(value).casefold())
        if found is None:
            message = _("There is no %(kind)s called “%(name)s” here yet: pick one, or create it first.") % {
                "kind": labels[kind],
                "name": value,
            }
            unresolved.append(
                {"node_id": node_id, "field": field_path, "kind": kind, "name": str(value), "message": message}
            )
        return found

    _map_references(graph, settings, resolve)
    if isinstance(settings.get("exit_rules"), list):
        settings["exit_rules"] = [
            r for r in settings["exit_rules"] if not (isinstance(r, dict) and "segment" in r and r["segment"] is None)
        ]
    return graph, _settings_or_error(settings), unresolved


def _document_parts(document: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """An export's graph (parsed: its configs are copies) and a copy of its settings."""
    graph = _graph_or_error(document.get("graph"))
    settings = copy.deepcopy(document.get("settings") or {})
    if not isinstance(settings, dict):
        raise ValidationError({"settings": [_("Expected an object.")]})
    return graph, settings


def _reference_ids() -> dict[str, dict[str, int]]:
    """By kind (template, segment, audience): the ids here by case-folded name."""
    return {
        kind: {n.casefold(): pk for pk, n in model.objects.values_list("pk", "name")} for kind, model in _MODELS.items()
    }


def _reference_labels() -> dict[str, str]:
    return {"segment": _("segment"), "audience": _("audience"), "template": _("email template")}


def journey_import(*, document: Any, user: Any = None, name: str | None = None) -> Journey:
    """Create a draft journey from an exported document, resolving references by name.

    A name that matches nothing here is refused with the step and field that named it.
    """
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValidationError({"format": [_("This is not a Flowbuilder journey export.")]})
    if document.get("format_version") != EXPORT_VERSION:
        raise ValidationError({"format_version": [_("This export format version is not supported.")]})
    graph, settings = _document_parts(document)
    ids, labels = _reference_ids(), _reference_labels()
    errors: dict[str, list[str]] = {}

    def resolve(kind: str, value: Any, node_id: str | None, field_path: str) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            errors.setdefault(_key(node_id, field_path), []).append(
                _("Exports name their %(kind)s; found the id %(id)s instead.") % {"kind": labels[kind], "id": value}
            )
            return value
        found = ids[kind].get(str(value).casefold())
        if found is None:
            errors.setdefault(_key(node_id, field_path), []).append(
                _("There is no %(kind)s called %(name)r here. Create it first, then import again.")
                % {"kind": labels[kind], "name": value}
            )
            return value
        return found

    _map_references(graph, settings, resolve)
    if errors:
        raise ValidationError(errors)
    return journey_create(
        name=name or str(document.get("name") or _("Imported journey")),
        description=str(document.get("description") or ""),
        graph=graph,
        settings=settings,
        user=user,
    )


def _key(node_id: str | None, field_path: str) -> str:
    return f"graph.nodes[{node_id}].{field_path}" if node_id else field_path


# --- enrolling by hand or through the API ------------------------------------------------------------

ENROLL_LIMIT = 10_000  # contacts per request: one transaction, one entry check per contact


@dataclass
class EnrollResult:
    """What an enrollment request did: ``refused`` counts by entry-rule reason (see
    ``journeys.entries.enrollments_create``), ``unknown_contact_ids`` the ids no contact has."""

    enrolled: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    unknown_contact_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "enrolled": self.enrolled,
            "refused": sum(self.refused.values()),
            "refused_reasons": dict(sorted(self.refused.items())),
            "unknown": len(self.unknown_contact_ids),
            "unknown_contact_ids": self.unknown_contact_ids,
        }


def _grouped(n: int) -> str:
    return number_format(n, force_grouping=True)


def _ids_text(ids: list[int], shown: int = 20) -> str:
    text = ", ".join(str(pk) for pk in ids[:shown])
    if len(ids) > shown:
        text += " " + _("(and %(n)s more)") % {"n": len(ids) - shown}
    return text


def journey_contacts_enroll(
    *,
    journey: Journey,
    contact_ids: list[int] | None = None,
    segment: Segment | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> EnrollResult:
    """Enroll the given contacts, or the current members of ``segment``, in an active journey,
    obeying its entry rules; a drain of the executor is queued on commit.

    ``key`` (a request's idempotency key) makes a retry enroll nobody twice: what the first
    request enrolled is refused the second time (``already_entered``, ``still_in`` or
    ``duplicate``, by the journey's re-entry rule). Ids no contact has are reported, not an
    error, unless none of them exists. ``ValidationError`` (nothing enrolled) when the journey is
    not active, more than ``ENROLL_LIMIT`` contacts are asked for, or no given contact exists.
    """
    from journeys.entries import journey_enroll

    if (contact_ids is None) == (segment is None):
        raise ValidationError({"": [_("Give either contact ids or a segment.")]})
    if journey.status != Journey.Status.ACTIVE or journey.live_version_id is None:
        messages: dict[str, str] = {
            Journey.Status.PAUSED: _("This journey is paused. Resume it before enrolling contacts."),
            Journey.Status.ARCHIVED: _("This journey is archived and takes no more contacts."),
        }
        message = messages.get(
            journey.status, _("This journey is not published yet. Publish it before enrolling contacts.")
        )
        raise ValidationError({"": [message]})
    if segment is not None:
        wanted = list(
            segment.memberships.order_by("contact_id").values_list("contact_id", flat=True)[: ENROLL_LIMIT + 1]
        )
        if len(wanted) > ENROLL_LIMIT:
            raise ValidationError(
                {
                    "segment": [
                        _("The segment has %(count)s members; at most %(limit)s can be enrolled at once.")
                        % {"count": _grouped(segment.memberships.count()), "limit": _grouped(ENROLL_LIMIT)}
                    ]
                }
            )
        field_name = "segment"
    else:
        wanted = sorted(set(contact_ids or []))
        if len(wanted) > ENROLL_LIMIT:
            raise ValidationError(
                {
                    "contact_ids": [
                        _("At most %(limit)s contacts can be enrolled at once; this request has %(count)s.")
                        % {"count": _grouped(len(wanted)), "limit": _grouped(ENROLL_LIMIT)}
                    ]
                }
            )
        field_name = "contact_ids"
    if not wanted:
        return EnrollResult()
    with transaction.atomic():
        report = journey_enroll(journey=journey, contact_ids=wanted, key=key, now=now)
        if len(report.unknown_contact_ids) == len(wanted):  # nothing was enrolled
            ids = _ids_text(report.unknown_contact_ids)
            raise ValidationError({field_name: [_("No contact has these ids: %(ids)s.") % {"ids": ids}]})
    return EnrollResult(enrolled=report.entered, refused=report.refused, unknown_contact_ids=report.unknown_contact_ids)
