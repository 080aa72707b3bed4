"""Reads of journeys used by the API, the pages and other apps: the per-contact trace, the
contacts at a step (the canvas's side panel) and the totals of the journeys list.

"Why did (or didn't) this person get the email?" is answered from here: every enrollment of a
contact with the steps it took (the output it left by, or why a step was skipped), the emails it
queued and whether they were opened or clicked, and the goal if it was reached. Step and node
names come from the version the enrollment is pinned to, so a later edit of the journey never
relabels what a contact went through.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from journeys.models import Conversion, Enrollment, Journey, JourneyVersion, MessageEvent, OutboundMessage, Step
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


# --- contacts at a step ---------------------------------------------------------------------------

NODE_CONTACT_STATES = ("waiting", "passed", "exited", "failed")


@dataclass(frozen=True)
class NodeContact:
    """One row of ``node_contacts``: an enrollment (a contact's passage through the journey) at a step."""

    enrollment: int
    contact_id: int
    contact_email: str  # empty for a contact known only by an external id
    contact_name: str
    version: int  # the number of the version it was in there
    state: str  # one of NODE_CONTACT_STATES
    at: datetime  # waiting: since when it is there; passed: when it left; exited, failed: when it ended
    due_at: datetime | None  # waiting: when it moves on (None: it waits for news, a webhook's answer)
    output: str  # passed: the output it left by ("next" for steps with one way on); else empty
    reason: str  # passed: why the step was skipped; exited, failed: why it ended; waiting: a retry's error


# Read for every state: the enrollment, its contact and version; then at, due_at, output, reason.
_CONTACT_COLUMNS = ("contact_id", "contact__email", "contact__first_name", "contact__last_name")
_NO_TIME = Value(None, output_field=DateTimeField())
_NO_TEXT = Value("", output_field=CharField())


class NodeContacts(Sequence[NodeContact]):
    """The rows of ``node_contacts``, read a page at a time the way Django's (and DRF's)
    paginators read them: ``len()`` is one query (a count), a slice (``rows[50:100]``) one more."""

    def __init__(self, *, matching: QuerySet[Any], rows: QuerySet[Any, tuple[Any, ...]], state: str) -> None:
        self._matching = matching  # counted without the joins the rows need
        self._rows = rows
        self._state = state

    def __len__(self) -> int:
        return self._matching.count()

    @overload
    def __getitem__(self, index: int) -> NodeContact: ...

    @overload
    def __getitem__(self, index: slice) -> list[NodeContact]: ...

    def __getitem__(self, index: int | slice) -> NodeContact | list[NodeContact]:
        if isinstance(index, slice):
            return [self._row(*values) for values in self._rows[index]]
        return self._row(*self._rows[index])

    def __iter__(self) -> Iterator[NodeContact]:
        return (self._row(*values) for values in self._rows)

    def _row(
        self,
        enrollment: int,
        contact_id: int,
        email: str | None,
        first_name: str,
        last_name: str,
        version: int,
        at: datetime,
        due_at: datetime | None,
        output: str,
        reason: str,
    ) -> NodeContact:
        return NodeContact(
            enrollment=enrollment,
            contact_id=contact_id,
            contact_email=email or "",
            contact_name=" ".join(part for part in (first_name, last_name) if part),
            version=version,
            state=self._state,
            at=at,
            due_at=due_at,
            output=(output or "next") if self._state == "passed" else "",
            reason=reason,
        )


def node_contacts(*, journey: Journey, node_id: str, state: str = "waiting") -> NodeContacts:
    """The contacts at one step of the journey (in any of its versions), newest first, to be read
    a page at a time (``NodeContacts``):

    - ``waiting``: in the journey and at the step now, the latest to arrive first;
    - ``passed``: each time one left the step by an output (skipped steps included, with the
      reason), from the step log, the latest first: a contact looping through it is there each time;
    - ``exited`` / ``failed``: enrollments that ended at the step (left early; failed there and
      not retried since), the latest first.

    The counts are the live counts' ``waiting``, ``passed``, ``exited`` and ``failed`` (those
    also count failures since retried). An unknown step, or one nobody reached, has no rows;
    ``ValueError`` for another ``state``.

    One query for the journey's version ids here, then two per page (count, rows). Waiting,
    exited and failed ones are found by their version (``enrollment_node_idx``, the version
    index), so their cost follows the step's contacts. The step log has no index by step: passed
    ones are read through the journey's enrollments (its trigger index, then the log's
    ``step_once``) or a scan of the log, whichever PostgreSQL finds cheaper; about 0.2 s for
    3 million steps (bench: 650,000 enrollments), and every page sorts all of the step's passes.
    """
    if state not in NODE_CONTACT_STATES:
        raise ValueError(f"state must be one of {', '.join(NODE_CONTACT_STATES)}, not {state!r}")
    # Ids, not a subquery: PostgreSQL then estimates how many rows each version has and takes
    # the indexes (with a subquery it scanned every enrollment).
    versions = list(JourneyVersion.objects.filter(journey_id=journey.pk).values_list("pk", flat=True))
    matching: QuerySet[Any]
    rows: QuerySet[Any, tuple[Any, ...]]
    if state == "waiting":
        since = Coalesce("node_entered_at", "entered_at")
        matching = Enrollment.objects.filter(version_id__in=versions, node_id=node_id, state=Enrollment.State.ACTIVE)
        rows = matching.order_by(since.desc(), "-pk").values_list(
            "pk", *_CONTACT_COLUMNS, "version__number", since, "due_at", _NO_TEXT, "last_error"
        )
    elif state == "passed":
        # Both journey ids: the enrollments' one lets PostgreSQL start from the journey's enrollments.
        matching = Step.objects.filter(
            enrollment__journey_id=journey.pk,
            journey_id=journey.pk,
            node_id=node_id,
            outcome__in=[Step.Outcome.PASSED, Step.Outcome.SKIPPED],
        )
        rows = matching.order_by("-at", "-pk").values_list(
            "enrollment_id",
            *(f"enrollment__{column}" for column in _CONTACT_COLUMNS),
            "version__number",
            "at",
            _NO_TIME,
            "output",
            "reason",
        )
    else:
        matching = Enrollment.objects.filter(version_id__in=versions, node_id=node_id, state=state)
        rows = matching.order_by("-finished_at", "-pk").values_list(
            "pk", *_CONTACT_COLUMNS, "version__number", "finished_at", _NO_TIME, _NO_TEXT, "exit_reason"
        )
    return NodeContacts(matching=matching, rows=rows, state=state)


# --- the journeys list ------------------------------------------------------------------------------

TOTAL_KINDS = ("entered", "active", "converted")


def journeys_totals(*, journey_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """By journey id: enrollments ever (``entered``), in the journey now (``active``) and that
    reached the goal (``converted``).

    Every id asked for is in the answer (zeros for a journey nobody entered, or an unknown id).
    Two grouped queries however many journeys: the enrollments (by the index their journey
    leads) and the conversions (by theirs).
    """
    ids = sorted(set(journey_ids))
    result = {pk: dict.fromkeys(TOTAL_KINDS, 0) for pk in ids}
    if not ids:
        return result
    for journey_id, entered, active in (
        Enrollment.objects.filter(journey_id__in=ids)
        .values_list("journey_id")
        .annotate(entered=Count("pk"), active=Count("pk", filter=Q(state=Enrollment.State.ACTIVE)))
        .order_by()
    ):
        result[journey_id].update(entered=entered, active=active)
    for journey_id, converted in (
        Conversion.objects.filter(journey_id__in=ids).values_list("journey_id").annotate(n=Count("pk")).order_by()
    ):
        result[journey_id]["converted"] = converted
    return result


def journey_name_free(*, name: str) -> str:
    """``name``, or ``name 2``, ``name 3``… when a journey (archived ones too) is already called
    that, ignoring case. One query."""
    taken = {
        taken.casefold() for taken in Journey.objects.filter(name__istartswith=name).values_list("name", flat=True)
    }
    candidate, number = name, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{name} {number}"
    return candidate
