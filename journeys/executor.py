"""The executor: moves every due enrollment through its published version, set-based.

One batch is one transaction:

1. claim up to ``batch_size`` due enrollments of active journeys with
   ``SELECT … FOR UPDATE SKIP LOCKED`` (several executors on several machines take disjoint
   batches; SQLite, the embedded default, has one writer at a time and runs the same code);
2. group them by (version, node) and hand each group to its node type's ``execute``, which
   works on the whole group (one query for a condition, one outbox write for an email step) and
   returns an outcome per enrollment; those that advance go on to their next node in the same
   transaction, until they reach a wait, the end, or ``MAX_HOPS`` steps;
3. write the step log (``COPY`` on PostgreSQL) and the enrollments' new places (one
   ``UPDATE … FROM unnest(…)``), commit.

A crash anywhere rolls the batch back and releases its locks: nothing is lost and nothing is
done twice, because every side effect (outbox rows, audience rows, webhook rows, contact
changes) is written in the same transaction, and the step log's unique (enrollment, step
number) refuses a step done twice. A node that raises is retried with backoff, alone (a
savepoint keeps the rest of the batch), and fails the enrollment after ``MAX_ATTEMPTS``.

docs/executor.md describes the model, the triggers and how work is scheduled.
"""

from __future__ import annotations

import json
import logging
import os
import time as clock
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact
from flowbuilder.core.retries import backoff
from flowbuilder.core.sql import bound_cursor
from journeys.models import Enrollment, Journey, JourneyVersion, Step, StepTally
from journeys.nodes import node_type
from journeys.nodes.base import Fail, NodeError, Outcome, Stay

log = logging.getLogger(__name__)

# Enrollments a batch claims. 1,000 rather than 500: a million contacts drained in 179 s instead
# of 212 s (fewer commits and per-batch queries; bench/executor.py), a batch still under a second.
BATCH_SIZE = 1000
MAX_HOPS = 50  # steps one enrollment takes in one batch without waiting
# After MAX_HOPS it goes on this much later: only a loop gets there (publishing refuses loops
# without a wait; this keeps one published before that check from spinning the executor).
HOPS_PAUSE = timedelta(minutes=1)
MAX_ATTEMPTS = 5  # a node that keeps failing for an enrollment fails it after this many tries


# --- what the executor knows of a version -----------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A published version ready to run: nodes by id and where each output leads."""

    version_id: int
    journey_id: int
    settings: Mapping[str, Any]
    nodes: Mapping[str, Mapping[str, Any]]
    targets: Mapping[tuple[str, str], str]

    @property
    def priority(self) -> int:
        return int(self.settings.get("priority", 5))

    def target(self, node_id: str, output: str) -> str | None:
        return self.targets.get((node_id, output or "next"))

    def triggers(self) -> list[Mapping[str, Any]]:
        return [node for node in self.nodes.values() if node["type"] == "trigger"]


_plans: OrderedDict[int, Plan] = OrderedDict()


def plan_of(version: JourneyVersion) -> Plan:
    """The version's plan; cached, since a published version never changes."""
    plan = _plans.get(version.pk)
    if plan is None:
        graph = version.graph
        plan = Plan(
            version_id=version.pk,
            journey_id=version.journey_id,
            settings=version.settings or {},
            nodes={node["id"]: node for node in graph["nodes"]},
            targets=graph_targets(graph),
        )
        _plans[version.pk] = plan
        if len(_plans) > 512:
            _plans.popitem(last=False)
    else:
        _plans.move_to_end(version.pk)
    return plan


def graph_targets(graph: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """Where each (node id, output) of a graph leads."""
    return {(edge["source"], edge.get("sourceHandle") or "next"): edge["target"] for edge in graph["edges"]}


def plans_forget() -> None:
    """Empty the plan cache (tests, whose rolled-back databases reuse version ids)."""
    _plans.clear()


def plans_for(version_ids: Iterable[int]) -> dict[int, Plan]:
    wanted = set(version_ids)
    found = {pk: _plans[pk] for pk in wanted if pk in _plans}
    missing = wanted - found.keys()
    if missing:
        for version in JourneyVersion.objects.filter(pk__in=missing).only("pk", "journey_id", "graph", "settings"):
            found[version.pk] = plan_of(version)
    return found


# --- an enrollment while the executor holds it --------------------------------------------------


@dataclass(slots=True)
class Walker:
    """An enrollment as a batch holds it: read once, changed in memory, written back once."""

    id: int
    journey_id: int
    version_id: int
    contact_id: int
    node_id: str
    node_entered_at: datetime
    steps: int
    trigger_data: dict[str, Any]
    entered_at: datetime
    attempts: int = 0
    state: str = Enrollment.State.ACTIVE
    due_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str = ""
    exit_reason: str = ""
    hops: int = 0
    # When it was due: the moment it moves on from, however late the executor gets to it.
    moment: datetime | None = None

    @classmethod
    def of(cls, row: Sequence[Any]) -> Walker:
        """A walker from a row of ``WALKER_FIELDS``."""
        walker = cls(**dict(zip(WALKER_FIELDS, row, strict=True)))
        walker.moment = walker.due_at
        return walker

    @property
    def seq(self) -> int:
        """The number of the step it is at (what the step log and outbox rows are keyed by)."""
        return self.steps + 1

    @property
    def event(self) -> dict[str, Any]:
        """The trigger's event properties, for templates."""
        return dict(self.trigger_data.get("properties") or {})


WALKER_FIELDS: tuple[str, ...] = ("id", "journey_id", "version_id", "contact_id", "node_id", "node_entered_at")
WALKER_FIELDS += ("steps", "trigger_data", "entered_at", "attempts", "due_at")


class Contacts:
    """Contacts of a batch, read once with one query and shared by every node of the batch."""

    def __init__(self) -> None:
        self._rows: dict[int, Contact] = {}

    def get(self, ids: Iterable[int]) -> dict[int, Contact]:
        ids = list(ids)
        missing = [pk for pk in ids if pk not in self._rows]
        if missing:
            for contact in Contact.objects.filter(pk__in=missing).select_related("stage"):
                self._rows[contact.pk] = contact
        return {pk: self._rows[pk] for pk in ids if pk in self._rows}

    def forget(self, ids: Iterable[int]) -> None:
        """Read these again next time (a step changed them)."""
        for pk in ids:
            self._rows.pop(pk, None)


@dataclass
class StepBatch:
    """What a node's ``execute`` works on: every due enrollment of one version at one node."""

    now: datetime
    journey: Journey
    version_id: int
    plan: Plan
    node: Mapping[str, Any]
    enrollments: list[Walker]
    contacts: Contacts

    @property
    def config(self) -> Mapping[str, Any]:
        return self.node.get("config") or {}

    @property
    def node_id(self) -> str:
        return str(self.node["id"])

    def contact_of(self) -> dict[int, Contact]:
        return self.contacts.get(w.contact_id for w in self.enrollments)


# --- the step log ---------------------------------------------------------------------------------


STEP_COLUMNS: tuple[str, ...] = ("enrollment_id", "journey_id", "version_id", "seq", "node_id", "node_type", "outcome")
STEP_COLUMNS += ("output", "reason", "detail", "at")


@dataclass
class StepLog:
    """Step rows of one transaction, written together."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def add(
        self,
        walker: Walker,
        node: Mapping[str, Any] | None,
        outcome: str,
        *,
        at: datetime,
        output: str = "",
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
        node_id: str | None = None,
    ) -> None:
        self.rows.append(
            (
                walker.id,
                walker.journey_id,
                walker.version_id,
                walker.seq,
                node_id if node_id is not None else walker.node_id,
                node["type"] if node else "",
                outcome,
                output[:30],
                reason[:300],
                dict(detail or {}),
                at,
            )
        )
        walker.steps += 1

    def write(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            table = Step._meta.db_table
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({', '.join(STEP_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in self.rows:
                    copy.write_row((*row[:9], json.dumps(row[9]) if row[9] else "{}", row[10]))
        else:
            Step.objects.bulk_create([Step(**dict(zip(STEP_COLUMNS, row, strict=True))) for row in self.rows])
        self._tally()
        self.rows = []

    def _tally(self) -> None:
        """Add the rows to the step counts (``StepTally``): one upsert, in a shard of our own."""
        counts = Counter((row[1], row[4], row[6], row[7], row[8]) for row in self.rows)
        keys = sorted(counts)  # the same order in every batch: no deadlocks even when shards are shared
        shard = tally_shard()
        table = StepTally._meta.db_table
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(keys))
        key = "journey_id, node_id, outcome, output, reason, shard"
        sql = (
            f"INSERT INTO {table} ({key}, count) VALUES {values} "  # noqa: S608 - our names; values are parameters
            f"ON CONFLICT ({key}) DO UPDATE SET count = {table}.count + excluded.count"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for k in keys for value in (*k, shard, counts[k])])


TALLY_SHARDS = 16
TALLY_LOCK = 0x7A11  # the advisory lock class of the step-count shards


def tally_shard() -> int:
    """A shard of the step counts that no other open transaction adds to (PostgreSQL: the first
    whose advisory lock is free, held until commit; with every one taken, one by process id)."""
    if connection.vendor != "postgresql":
        return 0  # one writer at a time
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s FROM generate_series(0, %s) AS s WHERE pg_try_advisory_xact_lock(%s, s) LIMIT 1",
            [TALLY_SHARDS - 1, TALLY_LOCK],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else os.getpid() % TALLY_SHARDS


def walkers_save(walkers: Sequence[Walker]) -> None:
    """Write the walkers' places back: one statement for the batch."""
    if not walkers:
        return
    table = Enrollment._meta.db_table
    columns: tuple[str, ...] = ("node_id", "state", "due_at", "node_entered_at", "steps", "attempts", "last_error")
    columns += ("exit_reason", "finished_at")
    if connection.vendor == "postgresql":
        types = ("text", "text", "timestamptz", "timestamptz", "int", "int", "text", "text", "timestamptz")
        arrays = ", ".join(f"%b::{t}[]" for t in ("bigint", *types))  # binary: nothing quoted
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        # Only our own table and column names are formatted in; the values are parameters.
        sql = f"UPDATE {table} AS e SET {sets} FROM unnest({arrays}) AS v(id, {', '.join(columns)}) WHERE e.id = v.id"  # noqa: S608
        params = [[w.id for w in walkers]] + [[getattr(w, c) for w in walkers] for c in columns]
        with bound_cursor() as cursor:
            cursor.execute(sql, params)
        return
    sets = ", ".join(f"{c} = %s" for c in columns)
    adapt = connection.ops.adapt_datetimefield_value  # stored as the ORM stores them, or comparisons fail

    def value(walker: Walker, column: str) -> Any:
        raw = getattr(walker, column)
        return adapt(raw) if isinstance(raw, datetime) else raw

    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608 - names are ours, values parameters
            [[*(value(w, c) for c in columns), w.id] for w in walkers],
        )


# --- running a batch ------------------------------------------------------------------------------


@dataclass
class DrainReport:
    batches: int = 0
    enrollments: int = 0
    steps: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"batches": self.batches, "enrollments": self.enrollments, "steps": self.steps, "failed": self.failed}

    def add(self, other: DrainReport) -> None:
        self.batches += other.batches
        self.enrollments += other.enrollments
        self.steps += other.steps
        self.failed += other.failed


class Run:
    """One batch: walks its enrollments as far as they go now, then writes everything once."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.log = StepLog()
        self.contacts = Contacts()
        self.journeys: dict[int, Journey] = {}
        self.failed = 0
        self.steps = 0
        self.claimed = 0

    def walk(self, walkers: Sequence[Walker]) -> None:
        plans = plans_for(w.version_id for w in walkers)
        journey_ids = {w.journey_id for w in walkers} - self.journeys.keys()
        # Name and id are all steps use; the draft graph can be large and is not needed here.
        self.journeys.update(Journey.objects.only("pk", "name").in_bulk(journey_ids))
        pending: dict[tuple[int, str], list[Walker]] = {}
        for walker in walkers:
            pending.setdefault((walker.version_id, walker.node_id), []).append(walker)
        while pending:
            # Higher-priority journeys first: they get what a frequency cap leaves.
            key = max(pending, key=lambda k: (plans[k[0]].priority, -k[0]))
            group = pending.pop(key)
            for walker, target in self._step(plans[key[0]], key[1], group):
                pending.setdefault((walker.version_id, target), []).append(walker)

    def _step(self, plan: Plan, node_id: str, group: list[Walker]) -> list[tuple[Walker, str]]:
        """Run one node for ``group``; returns the walkers that go on now, with their next node."""
        node = plan.nodes.get(node_id)
        if node is None:
            for walker in group:
                self._fail(walker, None, _("The step %(id)s is not in this version.") % {"id": node_id})
            return []
        batch = StepBatch(
            now=self.now,
            journey=self.journeys[plan.journey_id],
            version_id=plan.version_id,
            plan=plan,
            node=node,
            enrollments=group,
            contacts=self.contacts,
        )
        try:
            with transaction.atomic():
                outcomes = list(node_type(node["type"]).execute(batch))
                if len(outcomes) != len(group):
                    raise NodeError(f"{node['type']} returned {len(outcomes)} outcomes for {len(group)} enrollments")
        except NodeError as exc:
            self._retry_or_fail(group, node, exc.message, permanent=exc.permanent)
            return []
        except Exception as exc:  # a bug or an outage must not stop every other enrollment
            log.exception("journey step %s (%s) failed", node_id, node["type"])
            self._retry_or_fail(group, node, f"{type(exc).__name__}: {exc}", permanent=False)
            return []
        onward = []
        for walker, outcome in zip(group, outcomes, strict=True):
            target = self._apply(plan, node, walker, outcome)
            if target is not None:
                onward.append((walker, target))
        return onward

    def _apply(self, plan: Plan, node: Mapping[str, Any], walker: Walker, outcome: Outcome) -> str | None:
        if isinstance(outcome, Stay):
            walker.due_at = outcome.until
            return None
        if isinstance(outcome, Fail):
            self._fail(walker, node, outcome.reason)
            return None
        self.steps += 1
        self.log.add(
            walker,
            node,
            Step.Outcome.SKIPPED if outcome.skipped else Step.Outcome.PASSED,
            at=self.now,
            output=outcome.output,
            reason=outcome.skipped,
            detail=outcome.detail,
        )
        walker.attempts, walker.last_error = 0, ""
        target = plan.target(walker.node_id, outcome.output) if node["type"] != "exit" else None
        if target is None:
            reason = (node.get("config") or {}).get("reason") if node["type"] == "exit" else ""
            walker.state, walker.finished_at, walker.due_at = Enrollment.State.COMPLETED, self.now, None
            walker.exit_reason = "goal" if reason == "goal" else "end"
            return None
        # It reached the next step when it was due, not when this batch got to it: a wait counts
        # from then, and an awaited event that came in meanwhile (a purchase a second after the
        # cart was abandoned, in the same request even) is not missed.
        reached = min(walker.moment or self.now, self.now)
        walker.node_id, walker.node_entered_at, walker.due_at = target, reached, self.now
        walker.hops += 1
        if walker.hops >= MAX_HOPS:
            walker.due_at = self.now + HOPS_PAUSE
            return None
        return target

    def _retry_or_fail(self, group: list[Walker], node: Mapping[str, Any], message: str, *, permanent: bool) -> None:
        for walker in group:
            walker.attempts += 1
            walker.last_error = message[:2000]
            if permanent or walker.attempts >= MAX_ATTEMPTS:
                self._fail(walker, node, message)
            else:
                walker.due_at = self.now + backoff(walker.attempts)

    def _fail(self, walker: Walker, node: Mapping[str, Any] | None, reason: str) -> None:
        self.failed += 1
        self.log.add(walker, node, Step.Outcome.FAILED, at=self.now, reason=reason)
        walker.state, walker.finished_at, walker.due_at = Enrollment.State.FAILED, self.now, None
        walker.exit_reason, walker.last_error = reason[:300], reason[:2000]


def enrollments_claim(*, now: datetime, size: int = BATCH_SIZE) -> list[Walker]:
    """Lock and read up to ``size`` due enrollments of active journeys (none locked by another
    executor), the longest overdue first."""
    active = _active_journey_ids()
    if not active:
        return []
    rows = (
        Enrollment.objects.select_for_update(skip_locked=True)
        .filter(state=Enrollment.State.ACTIVE, due_at__lte=now, journey_id__in=active)
        .order_by("due_at")
        .values_list(*WALKER_FIELDS)[:size]
    )
    with due_order():
        return [Walker.of(row) for row in rows]


def _active_journey_ids() -> list[int]:
    """Ids of the running journeys: due enrollments are looked for in these (a handful of ids,
    read first, rather than a join that would let the planner leave the due index)."""
    return list(Journey.objects.filter(status=Journey.Status.ACTIVE).values_list("pk", flat=True))


@contextmanager
def due_order() -> Iterator[None]:
    """Read due enrollments along the due-time index, whatever the planner's statistics say.

    Right after a burst of enrollments (100,000 entering at once) the statistics still say the
    table is nearly empty, and PostgreSQL then plans a bitmap scan of every due row and a sort,
    for each batch of 500: 60-110 ms a claim at 100,000 (bench/executor.py), against well under
    a millisecond along the index. Only for the claim: the rest of the batch plans as usual.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off")
        try:
            yield
        finally:
            cursor.execute("SET LOCAL enable_sort TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT")


def batch_run(*, now: datetime | None = None, size: int = BATCH_SIZE) -> Run | None:
    """Claim and run one batch in one transaction; ``None`` when nothing was due."""
    from journeys.entries import nudges_apply

    now = now or timezone.now()
    with transaction.atomic():
        nudges_apply(now=now)
        walkers = enrollments_claim(now=now, size=size)
        if not walkers:
            return None
        run = Run(now=now)
        run.claimed = len(walkers)
        run.walk(walkers)
        run.log.write()
        walkers_save(walkers)
        journey_ids = {w.journey_id for w in walkers}
        transaction.on_commit(lambda: _announce(journey_ids))
    return run


def executor_drain(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    time_limit: float | None = None,
) -> DrainReport:
    """Run batches until nothing is due (or ``max_batches``/``time_limit`` seconds are used).

    With ``now`` given every batch runs at that moment (tests); otherwise at the clock's time.
    """
    report = DrainReport()
    started = clock.monotonic()
    while max_batches is None or report.batches < max_batches:
        run = batch_run(now=now, size=batch_size)
        if run is None:
            break
        report.batches += 1
        report.enrollments += run.claimed
        report.steps += run.steps
        report.failed += run.failed
        if time_limit is not None and clock.monotonic() - started > time_limit:
            break
    return report


def next_due() -> datetime | None:
    """When the next enrollment of an active journey comes due (in the past if one is due)."""
    active = _active_journey_ids()
    if not active:
        return None
    with transaction.atomic(), due_order():
        return (
            Enrollment.objects.filter(state=Enrollment.State.ACTIVE, due_at__isnull=False, journey_id__in=active)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )


def _announce(journey_ids: set[int]) -> None:
    from journeys.live import live_counts_changed

    live_counts_changed(journey_ids)


def drain_schedule() -> None:
    """Ask the task cluster to run the executor now (call it with ``transaction.on_commit``)."""
    from django_q.tasks import async_task

    async_task("journeys.tasks.drain_journeys", task_name="journeys.drain", group="journeys")
