"""Reads of journeys used by the API, the pages and other apps: the per-contact trace.

"Why did (or didn't) this person get the email?" is answered from here: every enrollment of a
contact with the steps it took (the output it left by, or why a step was skipped), the emails it
queued and whether they were opened or clicked, and the goal if it was reached. Step and node
names come from the version the enrollment is pinned to, so a later edit of the journey never
relabels what a contact went through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery, prefetch_related_objects

from journeys.models import Enrollment, Journey, JourneyVersion, MessageEvent, OutboundMessage, Step
from journeys.nodes import node_type

ENROLLMENTS_SHOWN = 50
STEPS_SHOWN = 100  # per enrollment, the latest; a journey that loops can take thousands
EMAILS_SHOWN = 50  # per enrollment, the latest


@dataclass(frozen=True)
class NodeRef:
    """A step of a version: its id, its type, the name the canvas shows for it and its type's icon."""

    id: str
    kind: str
    label: str
    icon: str = "workflow"


@dataclass(frozen=True)
class TraceStep:
    seq: int
    node: NodeRef
    outcome: str
    outcome_label: str
    output: str
    # The output's name when the step chose between several (Yes/No, a split's branch, a wait's
    # "Event happened"/"Time ran out"); empty for steps that only go on.
    output_label: str
    reason: str
    detail: Mapping[str, Any]
    at: datetime


@dataclass(frozen=True)
class TraceEmail:
    id: int
    seq: int
    node_id: str
    subject: str
    status: str
    status_label: str
    skip_reason: str
    created_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None


@dataclass(frozen=True)
class TraceConversion:
    converted_at: datetime
    event: str
    email_node_id: str


@dataclass
class EnrollmentTrace:
    id: int
    journey_id: int
    journey_name: str
    journey_status: str
    version: int
    state: str
    state_label: str
    current_node: NodeRef
    trigger: Mapping[str, Any]
    entered_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    exit_reason: str
    last_error: str
    attempts: int
    steps_total: int
    steps: list[TraceStep] = field(default_factory=list)
    emails: list[TraceEmail] = field(default_factory=list)
    conversion: TraceConversion | None = None

    @property
    def steps_more(self) -> bool:
        """Older steps were left out (only the latest ``STEPS_SHOWN`` are read)."""
        return self.steps_total > len(self.steps)


@dataclass
class ContactJourneys:
    enrollments: list[EnrollmentTrace]
    more: bool  # the contact has older enrollments than those read


def _first_event_at(kind: str) -> Subquery:
    return Subquery(
        MessageEvent.objects.filter(message=OuterRef("pk"), kind=kind).order_by("occurred_at").values("occurred_at")[:1]
    )


def _node_ref(nodes: Mapping[str, Mapping[str, Any]], node_id: str, kind: str = "") -> NodeRef:
    node = nodes.get(node_id) or {}
    kind = str(node.get("type") or kind)
    try:
        known = node_type(kind)
    except KeyError:  # a type since removed
        return NodeRef(id=node_id, kind=kind, label=str(node.get("label") or node_id))
    return NodeRef(id=node_id, kind=kind, label=str(node.get("label") or known.label), icon=known.icon)


def _output_label(nodes: Mapping[str, Mapping[str, Any]], node_id: str, kind: str, output: str) -> str:
    node = nodes.get(node_id)
    if node is None or not output:
        return ""
    try:
        outputs = node_type(kind).outputs_for(node.get("config") or {})
    except (KeyError, TypeError, ValueError):  # a type since removed, or a config it cannot read
        return ""
    if len(outputs) < 2:
        return ""
    return next((str(o.label) for o in outputs if o.key == output), output)


def contact_journeys(
    *,
    contact_id: int,
    limit: int = ENROLLMENTS_SHOWN,
    steps_limit: int = STEPS_SHOWN,
    emails_limit: int = EMAILS_SHOWN,
) -> ContactJourneys:
    """Every enrollment of the contact, newest first (at most ``limit``; ``more`` says whether
    there are older ones), each with its latest ``steps_limit`` steps in order, its latest
    ``emails_limit`` emails in order and its conversion.

    Six queries however many enrollments, steps and emails there are. Labels are in the active
    language; a step whose node is not in the version (a failure) is named by its stored type.
    """
    rows = list(
        Enrollment.objects.filter(contact_id=contact_id)
        .select_related("conversion__event")
        .order_by("-entered_at", "-id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    messages = (
        OutboundMessage.objects.only(
            "id", "enrollment_id", "seq", "node_id", "subject", "status", "skip_reason", "created_at", "sent_at"
        )
        .annotate(opened_at=_first_event_at("opened"), clicked_at=_first_event_at("clicked"))
        .order_by("-seq", "-id")
    )
    prefetch_related_objects(
        rows,
        Prefetch("journey", queryset=Journey.objects.only("id", "name", "status")),
        Prefetch("version", queryset=JourneyVersion.objects.only("id", "journey_id", "number", "graph")),
        Prefetch("log", queryset=Step.objects.order_by("-seq")[:steps_limit], to_attr="latest_steps"),
        Prefetch("messages", queryset=messages[:emails_limit], to_attr="latest_messages"),
    )
    nodes_of: dict[int, dict[str, Mapping[str, Any]]] = {}
    traces = []
    for row in rows:
        nodes = nodes_of.get(row.version_id)
        if nodes is None:
            nodes = nodes_of[row.version_id] = {node["id"]: node for node in (row.version.graph or {}).get("nodes", [])}
        trace = EnrollmentTrace(
            id=row.pk,
            journey_id=row.journey_id,
            journey_name=row.journey.name,
            journey_status=row.journey.status,
            version=row.version.number,
            state=row.state,
            state_label=str(row.get_state_display()),
            current_node=_node_ref(nodes, row.node_id),
            trigger=row.trigger_data or {},
            entered_at=row.entered_at,
            due_at=row.due_at,
            finished_at=row.finished_at,
            exit_reason=row.exit_reason,
            last_error=row.last_error,
            attempts=row.attempts,
            steps_total=row.steps,
        )
        for step in reversed(row.latest_steps):  # type: ignore[attr-defined]
            trace.steps.append(
                TraceStep(
                    seq=step.seq,
                    node=_node_ref(nodes, step.node_id, step.node_type),
                    outcome=step.outcome,
                    outcome_label=str(step.get_outcome_display()),
                    output=step.output,
                    output_label=_output_label(nodes, step.node_id, step.node_type, step.output),
                    reason=step.reason,
                    detail=step.detail or {},
                    at=step.at,
                )
            )
        for message in reversed(row.latest_messages):  # type: ignore[attr-defined]
            trace.emails.append(
                TraceEmail(
                    id=message.pk,
                    seq=message.seq,
                    node_id=message.node_id,
                    subject=message.subject,
                    status=message.status,
                    status_label=str(message.get_status_display()),
                    skip_reason=message.skip_reason,
                    created_at=message.created_at,
                    sent_at=message.sent_at,
                    opened_at=message.opened_at,
                    clicked_at=message.clicked_at,
                )
            )
        conversion = getattr(row, "conversion", None)
        if conversion is not None:
            trace.conversion = TraceConversion(
                converted_at=conversion.converted_at,
                event=conversion.event.name if conversion.event else "",
                email_node_id=conversion.email_node_id,
            )
        traces.append(trace)
    return ContactJourneys(enrollments=traces, more=more)
