"""How fast segments are counted over a large event history, and one contact is re-evaluated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowbuilder_bench_segments \
        .venv/bin/python bench/segments.py --scale 0.1 [--reuse]

Targets: counting a segment with an event-history rule over 1M contacts / 10M events takes at
most 1 s (``--scale 1.0``); re-evaluating one contact's segments after an event, with 50
segments, has a median of at most 5 ms.

Data: ``--scale`` × (1,000,000 contacts, 10,000,000 events); the default 0.1 is 100k / 1M.
The database named by ``DATABASE_URL`` (PostgreSQL only; its name must contain ``bench``)
is migrated and its contacts tables emptied, then filled with ``COPY`` into the real tables
(``contacts_contact``, ``contacts_event``, ``contacts_contacttag``): contacts created over
two years before a fixed moment (``ANCHOR``), active for a while and then some go quiet,
40% of them buyers; events ``signed_up``, ``page_viewed`` (path), ``email_opened``,
``email_clicked``, ``form_submitted`` (budget) and ``order_completed`` (revenue), stored in
time order as an ingest API would have stored them, with each contact's derived columns
(order count and revenue, first/last order, last seen, lifecycle stage) consistent with its
events. While loading, foreign-key triggers are off (``session_replication_role``) and the
secondary indexes are dropped; they are rebuilt from their own definitions afterwards, then
``VACUUM ANALYZE``. ``--reuse`` keeps data already loaded at the same scale.

Measurements, one line each:

* ``segment_count``: ``segment_members(rule, now=ANCHOR).count()`` for several event-history
  rules; the first run and the best of three.
* ``reevaluate``: ``contacts_reevaluate([contact_id], now=ANCHOR)`` for ``--samples`` random
  contacts with 50 mixed active segments (event history, attributes, consent, stage, tags,
  RFM, segment references). The segments are inserted as rows (validated, ``uses_time`` set)
  without the full initial evaluation ``segment_save`` would run, which at this scale takes
  minutes and is not what is measured. Each sampled contact is evaluated once untimed first,
  so its memberships are settled and the timed run is the common case: an event that
  changes no membership. A second line gives the same with memberships cleared (every
  matching segment is entered: writes, history rows, signals).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SPAN_DAYS = 730
CONTACTS_AT_SCALE_1 = 1_000_000
EVENTS_AT_SCALE_1 = 10_000_000
PATHS = ["/", "/pricing", "/features", "/blog/lifecycle-emails", "/docs/api", "/signup", "/customers", "/about"]
CONSENT = [("subscribed", 0.90), ("unsubscribed", 0.06), ("bounced", 0.03), ("complained", 0.01)]
EVENT_TABLE_COLUMNS = "name, properties, occurred_at, received_at, idempotency_key, source, context, contact_id"
CONTACT_COLUMNS = [
    "id",
    "email",
    "external_id",
    "first_name",
    "last_name",
    "timezone",
    "locale",
    "attributes",
    "email_consent",
    "consent_changed_at",
    "consent_source",
    "created_at",
    "updated_at",
    "last_seen_at",
    "order_count",
    "total_revenue",
    "first_order_at",
    "last_order_at",
    "stage_id",
]

ORDERS_90_DAYS = {
    "type": "event",
    "name": "order_completed",
    "count": {"op": "gte", "value": 2},
    "within_days": 90,
    "where": [{"property": "revenue", "op": "gt", "value": 50}],
}
AT_RISK = {
    "all": [
        {"type": "event", "name": "order_completed"},
        {"not": {"type": "event", "name": "order_completed", "within_days": 60}},
    ]
}
COUNT_RULES: dict[str, Any] = {
    "orders_2x_90d_revenue_gt_50": ORDERS_90_DAYS,
    "at_risk": AT_RISK,
    "pricing_viewed_7d": {
        "type": "event",
        "name": "page_viewed",
        "within_days": 7,
        "where": [{"property": "path", "op": "eq", "value": "/pricing"}],
    },
    "never_ordered": {"type": "event", "name": "order_completed", "count": {"op": "eq", "value": 0}},
    "pro_with_form_30d": {
        "all": [
            {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"},
            {"type": "event", "name": "form_submitted", "within_days": 30},
        ]
    },
}


# Also measured, not among the segments: counts under NOT and OR, which cannot be joins.
MEASURED_RULES: dict[str, Any] = {
    **COUNT_RULES,
    "at_most_3_page_views": {"type": "event", "name": "page_viewed", "count": {"op": "lte", "value": 3}},
    "3_orders_or_vip": {
        "any": [
            {"type": "event", "name": "order_completed", "count": {"op": "gte", "value": 3}},
            {"type": "tag", "op": "has", "value": "vip"},
        ]
    },
}


def event(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "event", "name": name, **extra}


def where(prop: str, op: str, value: Any) -> list[dict[str, Any]]:
    return [{"property": prop, "op": op, "value": value}]


def segment_rules() -> list[dict[str, Any]]:
    """48 realistic rules: event history of every shape, attributes, consent, stage, tags, RFM."""
    rules: list[dict[str, Any]] = list(COUNT_RULES.values())
    for days in (7, 30, 60, 90, 180, 365):
        rules += [event("order_completed", within_days=days), event("email_opened", within_days=days)]
    for n in (1, 3, 5):
        rules.append(event("order_completed", count={"op": "gte", "value": n}))
        rules.append(event("page_viewed", count={"op": "gte", "value": 5 * n}, within_days=30))
    for budget in (2000, 5000, 12000):
        rules.append(event("form_submitted", where=where("budget", "gte", budget)))
    for path in ("/pricing", "/docs/api", "/customers"):
        rules.append({"not": event("page_viewed", within_days=14, where=where("path", "eq", path))})
    vip = {"type": "tag", "op": "has", "value": "vip"}
    rules += [
        {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"},
        {"type": "attribute", "field": "plan", "op": "in", "value": ["team", "pro"]},
        {"type": "attribute", "field": "company.size", "op": "gte", "value": 200},
        {"type": "attribute", "field": "country", "op": "eq", "value": "DE"},
        {"type": "attribute", "field": "last_seen_at", "op": "within_last", "value": 30},
        {"type": "attribute", "field": "created_at", "op": "within_last", "value": 90},
        {"type": "consent", "op": "in", "value": ["subscribed"]},
        {"type": "stage", "op": "in", "value": ["customer", "repeat_customer"]},
        {"type": "stage", "op": "not_in", "value": ["customer", "repeat_customer"]},
        vip,
        {"type": "tag", "op": "has_not", "value": "newsletter"},
        {"type": "rfm", "metric": "recency", "op": "gte", "value": 60},
        {"type": "rfm", "metric": "frequency", "op": "gte", "value": 3},
        {"type": "rfm", "metric": "monetary", "op": "gte", "value": 500},
        {"any": [{"type": "rfm", "metric": "monetary", "op": "gte", "value": 1000}, vip]},
        {
            "all": [
                {"type": "consent", "op": "in", "value": ["subscribed"]},
                event("signed_up", within_days=14),
                event("order_completed", count={"op": "eq", "value": 0}),
            ]
        },
        {
            "all": [
                {"type": "attribute", "field": "plan", "op": "eq", "value": "free"},
                event("page_viewed", within_days=7, where=where("path", "eq", "/pricing")),
                {"not": event("order_completed", within_days=30)},
            ]
        },
        {"any": [event("email_clicked", within_days=30), event("form_submitted", within_days=30)]},
        event("email_clicked", count={"op": "gte", "value": 2}, within_days=60),
    ]
    if len(rules) != 48:
        raise SystemExit(f"expected 48 segment rules, have {len(rules)}")
    return rules


# --- data generation ------------------------------------------------------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowbuilder.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


class Timestamps:
    """Fast text timestamps for COPY: a day's date string is cached, the time formatted."""

    def __init__(self) -> None:
        self.epoch = ANCHOR.timestamp() - SPAN_DAYS * 86400
        self.days: dict[int, str] = {}

    def text(self, seconds: float) -> str:
        """``seconds`` after the start of the span, as ``YYYY-MM-DD HH:MM:SS+00``."""
        whole = int(seconds)
        day, second = divmod(whole, 86400)
        date = self.days.get(day)
        if date is None:
            date = self.days[day] = (datetime.fromtimestamp(self.epoch, UTC) + timedelta(days=day)).strftime("%Y-%m-%d")
        return f"{date} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+00"


def event_counts(contacts: int, events: int, rng: random.Random) -> list[int]:
    """Events per contact: skewed (most contacts have a few, some many), summing to ``events``."""
    mean = events / contacts
    counts = [1 + int(rng.expovariate(1 / max(mean - 1, 0.01))) for _ in range(contacts)]
    difference = events - sum(counts)
    while difference:
        index = rng.randrange(contacts)
        if difference > 0:
            counts[index] += 1
            difference -= 1
        elif counts[index] > 1:
            counts[index] -= 1
            difference += 1
    return counts


def generate(contacts: int, events: int, seed: int) -> tuple[Iterator[str], Iterator[str], list[int], list[int]]:
    """Text lines for COPY: contacts (with derived columns) and their events, contact by contact.

    Returns (contact lines, event lines, vip contact ids, newsletter contact ids); the two line
    iterators must be consumed in step (each contact's row comes with its events).
    """
    from contacts.models import LifecycleStage

    stage_ids = dict(LifecycleStage.objects.values_list("key", "pk"))
    rng = random.Random(seed)  # noqa: S311 (test data)
    counts = event_counts(contacts, events, rng)
    stamp = Timestamps()
    span = SPAN_DAYS * 86400
    vip: list[int] = []
    newsletter: list[int] = []
    consent_values = [value for value, _weight in CONSENT]
    consent_weights = [weight for _value, weight in CONSENT]
    pending_events: list[str] = []

    def contact_lines() -> Iterator[str]:
        for index in range(contacts):
            contact_id = index + 1
            # Contacts arrive over the two years (ids in order of arrival), stay active for a
            # while, and a share of them go quiet.
            created = span * (index + rng.random()) / contacts
            remaining = span - created
            active_until = created + remaining * (1.0 if rng.random() < 0.35 else rng.random() ** 0.5)
            buyer = rng.random() < 0.4
            n = counts[index]
            orders: list[tuple[float, float]] = []
            last_seen = created
            lines = pending_events
            lines.append(
                f'signed_up\t{{"source": "{rng.choice(("ads", "organic", "referral"))}"}}\t{stamp.text(created)}\t'
                f"{stamp.text(created)}\t\\N\tbench\t{{}}\t{contact_id}\n"
            )
            for _ in range(n - 1):
                moment = created + rng.random() * (active_until - created)
                last_seen = max(last_seen, moment)
                roll = rng.random()
                key = "\\N"
                if buyer and roll < 0.15:
                    revenue = round(rng.lognormvariate(3.8, 0.7), 2)
                    orders.append((moment, revenue))
                    key = f"o-{contact_id}-{len(orders)}"
                    name, properties = (
                        "order_completed",
                        f'{{"revenue": {revenue}, "currency": "EUR", "order_id": "{key}"}}',
                    )
                elif roll < 0.65:
                    name, properties = "page_viewed", f'{{"path": "{rng.choice(PATHS)}"}}'
                elif roll < 0.82:
                    name, properties = "email_opened", f'{{"campaign": "c-{rng.randrange(40)}"}}'
                elif roll < 0.90:
                    name, properties = "email_clicked", f'{{"campaign": "c-{rng.randrange(40)}"}}'
                else:
                    name = "form_submitted"
                    properties = f'{{"form": "demo", "budget": {rng.choice((500, 2000, 5000, 12000))}}}'
                when = stamp.text(moment)
                lines.append(f"{name}\t{properties}\t{when}\t{when}\t{key}\tbench\t{{}}\t{contact_id}\n")
            if orders:
                total = sum(revenue for _moment, revenue in orders)
                first, last = min(m for m, _r in orders), max(m for m, _r in orders)
                order_columns = f"{len(orders)}\t{total:.2f}\t{stamp.text(first)}\t{stamp.text(last)}"
                stage = "repeat_customer" if len(orders) > 1 else "customer"
            else:
                order_columns = "0\t0.00\t\\N\t\\N"
                stage = "lead" if n >= 3 else "subscriber"
            if rng.random() < 0.5:
                attributes = json.dumps(
                    {
                        "plan": rng.choice(("free", "free", "pro", "team")),
                        "company": {"size": rng.choice((5, 20, 80, 250, 1200))},
                        "country": rng.choice(("DE", "NL", "SE", "AT", "US")),
                    }
                )
            else:
                attributes = "{}"
            if rng.random() < 0.02:
                vip.append(contact_id)
            if rng.random() < 0.3:
                newsletter.append(contact_id)
            consent = rng.choices(consent_values, consent_weights)[0]
            yield (
                f"{contact_id}\tperson{contact_id}@bench.example.com\t\\N\t\t\t\t\t{attributes}\t{consent}\t"
                f"{stamp.text(created)}\timport\t{stamp.text(created)}\t{stamp.text(last_seen)}\t"
                f"{stamp.text(last_seen)}\t{order_columns}\t{stage_ids[stage]}\n"
            )

    def event_lines() -> Iterator[str]:
        while True:
            lines = pending_events[:]
            pending_events.clear()
            yield "".join(lines)

    return contact_lines(), event_lines(), vip, newsletter


def load(contacts: int, events: int, seed: int) -> None:
    """Empty the contacts tables and fill them with COPY. Prints what took how long."""
    import psycopg
    from django.db import connection

    from contacts.models import Contact, ContactTag, Event, Tag

    if {f.column for f in Contact._meta.concrete_fields} != set(CONTACT_COLUMNS):
        raise SystemExit("The contact table has changed: update CONTACT_COLUMNS and generate().")
    started = time.perf_counter()
    tables = [Contact._meta.db_table, Event._meta.db_table, ContactTag._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE contacts_event, contacts_contact, contacts_segment, contacts_dirtycontact, "
            "contacts_stagechange, contacts_segmentchange, contacts_segmentmembership, contacts_contacttag CASCADE"
        )
        dropped = _drop_secondary_indexes(cursor, tables)
    connection.close()
    dsn = os.environ["DATABASE_URL"]
    with psycopg.connect(dsn) as people, psycopg.connect(dsn) as history:
        print(f"  generating ({time.perf_counter() - started:.0f} s)", flush=True)
        for conn in (people, history):
            conn.execute("SET session_replication_role = replica")  # no FK triggers while loading
        history.execute("DROP TABLE IF EXISTS bench_event_stage")
        history.execute(
            f"CREATE UNLOGGED TABLE bench_event_stage AS SELECT {EVENT_TABLE_COLUMNS} FROM contacts_event WITH NO DATA"  # noqa: S608
        )
        contact_lines, event_lines, vip, newsletter = generate(contacts, events, seed)
        with (
            people.cursor().copy(f"COPY contacts_contact ({', '.join(CONTACT_COLUMNS)}) FROM STDIN") as contact_copy,
            history.cursor().copy(f"COPY bench_event_stage ({EVENT_TABLE_COLUMNS}) FROM STDIN") as event_copy,
        ):
            chunk: list[str] = []
            for line in contact_lines:
                chunk.append(line)
                if len(chunk) == 2000:
                    contact_copy.write("".join(chunk))
                    event_copy.write(next(event_lines))
                    chunk.clear()
            contact_copy.write("".join(chunk))
            event_copy.write(next(event_lines))
        people.commit()
        print(f"  generated and copied in {time.perf_counter() - started:.0f} s", flush=True)
        # Stored in time order with ids in that order, as ingestion would have stored them.
        history.execute("SET work_mem = '512MB'")
        history.execute(
            f"INSERT INTO contacts_event (id, {EVENT_TABLE_COLUMNS}) "  # noqa: S608
            f"SELECT row_number() OVER (ORDER BY occurred_at), {EVENT_TABLE_COLUMNS} FROM bench_event_stage"
        )
        history.execute("DROP TABLE bench_event_stage")
        history.commit()
        print(f"  events in time order after {time.perf_counter() - started:.0f} s", flush=True)
    tags = {name: Tag.objects.get_or_create(name=name)[0].pk for name in ("vip", "newsletter")}
    with (
        psycopg.connect(dsn) as conn,
        conn.cursor().copy("COPY contacts_contacttag (contact_id, tag_id, added_at) FROM STDIN") as copy,
    ):
        for name, members in (("vip", vip), ("newsletter", newsletter)):
            for contact_id in members:
                copy.write_row((contact_id, tags[name], ANCHOR))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        for statement in dropped:
            conn.execute(statement)
        print(f"  indexes rebuilt after {time.perf_counter() - started:.0f} s", flush=True)
        for table in ("contacts_contact", "contacts_event", "contacts_contacttag"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            conn.execute(f"VACUUM ANALYZE {table}")
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)


def _drop_secondary_indexes(cursor: Any, tables: list[str]) -> list[str]:
    """Drop every index but primary keys on ``tables``; returns the statements that recreate them."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, c.conname, pg_get_indexdef(i.indexrelid),
               pg_get_constraintdef(c.oid), i.indrelid::regclass::text
        FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('u', 'p')
        WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
        """,
        [tables],
    )
    recreate = []
    for index, constraint, index_def, constraint_def, table in cursor.fetchall():
        if constraint:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}')
        else:
            cursor.execute(f"DROP INDEX {index}")
            recreate.append(index_def)
    return recreate


def loaded(contacts: int, events: int) -> bool:
    from contacts.models import Contact, Event

    return Contact.objects.count() == contacts and Event.objects.count() == events


# --- measurements ---------------------------------------------------------------------------


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = run()
    return time.perf_counter() - started, value


def members_count(rule: Any) -> int:
    from contacts.services.segments import segment_members

    return int(segment_members(rule, now=ANCHOR).count())


def measure_counts(contacts: int, events: int, timeout: float) -> None:
    from django.db import OperationalError, connection

    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(timeout * 1000)}")
    for name, rule in MEASURED_RULES.items():
        try:
            first, count = timed(functools.partial(members_count, rule))
            best = min(timed(functools.partial(members_count, rule))[0] for _ in range(3))
        except OperationalError:  # statement_timeout
            print(f"segment_count contacts={contacts} events={events} rule={name} seconds=timeout>{timeout:.0f}")
            continue
        print(
            f"segment_count contacts={contacts} events={events} rule={name} seconds={best:.3f} "
            f"first_seconds={first:.3f} count={count}",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")


def create_segments(count: int) -> None:
    """Insert ``count`` active dynamic segments (validated), without evaluating them."""
    from contacts import rules as rule_language
    from contacts.models import LifecycleStage, Segment, SegmentChange, SegmentMembership

    Segment.objects.all().delete()
    SegmentMembership.objects.all().delete()
    SegmentChange.objects.all().delete()
    stage_keys = set(LifecycleStage.objects.values_list("key", flat=True))
    base = segment_rules()
    created = []
    for index, rule in enumerate(base[: count - 2]):
        rule_language.validate(rule, stage_keys=stage_keys)
        created.append(
            Segment.objects.create(
                name=f"Bench {index + 1:02d}", rules=rule, uses_time=rule_language.uses_time(rule), evaluated_at=ANCHOR
            )
        )
    # Two that build on others (inlined when compiled).
    subscribed = {"type": "consent", "op": "in", "value": ["subscribed"]}
    references: list[dict[str, Any]] = [
        {"all": [{"type": "segment", "op": "in", "value": created[0].pk}, subscribed]},
        {"type": "segment", "op": "not_in", "value": created[1].pk},
    ]
    for index, rule in enumerate(references):
        segments = {s.pk: (s.kind, s.rules) for s in created}
        rule_language.validate(rule, stage_keys=stage_keys, segments=segments)
        created.append(
            Segment.objects.create(
                name=f"Bench ref {index + 1}", rules=rule, uses_time=rule_language.uses_time(rule, segments)
            )
        )
    if Segment.objects.filter(is_active=True, kind="dynamic").count() != count:
        raise SystemExit(f"expected {count} active segments")


def measure_reevaluate(samples: int, seed: int, segments: int) -> None:
    """Each run commits, as the drain task does (a rollback would also drop psycopg's prepared statements)."""
    from django.db import connection, transaction

    from contacts.models import Contact, SegmentMembership
    from contacts.services.segments import contacts_reevaluate

    def reevaluate(contact_id: int) -> int:
        with transaction.atomic():
            return len(contacts_reevaluate([contact_id], now=ANCHOR))

    create_segments(segments)
    rng = random.Random(seed)  # noqa: S311 (test data)
    top = Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = rng.sample(range(1, top + 1), samples)
    options = connection.settings_dict.setdefault("OPTIONS", {})
    default_threshold = options.get("prepare_threshold")
    runs = [("steady", default_threshold), ("steady", 5), ("entering", default_threshold)]
    for label, threshold in runs:
        # Django turns psycopg's prepared statements off unless DATABASES OPTIONS set prepare_threshold.
        options["prepare_threshold"] = threshold
        connection.close()
        times = []
        changes = 0
        for contact_id in ids:
            if label == "steady":
                reevaluate(contact_id)  # settle this contact's memberships first
            else:
                SegmentMembership.objects.filter(contact_id=contact_id).delete()
            seconds, changed = timed(functools.partial(reevaluate, contact_id))
            changes += changed
            times.append(seconds * 1000)
        times.sort()
        print(
            f"reevaluate segments={segments} samples={samples} memberships={label} "
            f"prepare_threshold={threshold} p50_ms={statistics.median(times):.2f} "
            f"p95_ms={times[int(len(times) * 0.95) - 1]:.2f} changes={changes}",
            flush=True,
        )
    options["prepare_threshold"] = default_threshold
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 1M contacts, 10M events")
    parser.add_argument("--reuse", action="store_true", help="keep data already loaded at this scale")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--segments", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a count is given up")
    parser.add_argument("--skip-counts", action="store_true")
    parser.add_argument("--skip-reevaluate", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/flowbuilder_bench_segments"
        )
    if "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("The database name must contain 'bench': this script empties its contacts tables.")
    contacts = round(CONTACTS_AT_SCALE_1 * args.scale)
    events = round(EVENTS_AT_SCALE_1 * args.scale)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, check=True)
    django_setup()
    if args.reuse and loaded(contacts, events):
        print(f"reusing contacts={contacts} events={events}", flush=True)
    else:
        print(f"loading contacts={contacts} events={events}", flush=True)
        load(contacts, events, args.seed)
    if not args.skip_counts:
        measure_counts(contacts, events, args.timeout)
    if not args.skip_reevaluate:
        measure_reevaluate(args.samples, args.seed, args.segments)


if __name__ == "__main__":
    main()
