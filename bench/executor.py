"""How fast the executor moves contacts through a published journey, set-based.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowbuilder_bench_executor \
        .venv/bin/python bench/executor.py [--contacts 100000] [--workers 2] [--batch 1000]

Target (this 2-core machine, PostgreSQL): 100,000 contacts through
trigger → wait 0 → condition → send_email (render + outbox) → add_to_audience → exit in at most
20 s; ``--contacts 1000000`` in at most 4 minutes.

The database named by ``DATABASE_URL`` (PostgreSQL only; its name must contain ``bench``) is
migrated and its contacts and journey tables are emptied. ``--contacts`` contacts are created
with ``COPY`` (languages en/de/nl/sv in turn, half of them in Europe/Berlin, two in three on the
``pro`` plan, 3% unsubscribed). The journey is published through the real service:

    trigger (manual) → wait 0 → condition plan = pro ─yes→ send_email "Welcome" → add_to_audience → exit
                                                    └─no──────────────────────────↗

1. ``enroll``: every contact is enrolled through ``journey_enroll`` (what
   ``POST /journeys/{id}/enroll`` calls) in chunks of 10,000, each chunk one transaction.
2. ``drain``: ``--workers`` processes run ``executor_drain`` at the same time, claiming batches of
   ``--batch`` with ``SELECT … FOR UPDATE SKIP LOCKED``, until nothing is due. Every send step
   renders the Welcome email for its contact (personalised, in their language, links tracked)
   into the outbox, as in production; nothing is sent over SMTP (bench/emails.py measures that).

Then it checks: every enrollment completed; one outbox row per pro contact (queued, or skipped
for the unsubscribed) and none for the others (``duplicates`` counts rows beyond one per
contact, ``lost`` counts enrollments not completed plus missing outbox rows and missing audience
members). The last line is ``contacts=N seconds=S node_steps_per_s=R duplicates=D lost=L`` with
``seconds`` covering enrollment and drain together.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: ``bench`` is importable from the repository
from bench.common import contacts_copy, django_setup, edge, node, tables_empty  # noqa: E402

ENROLL_CHUNK = 10_000


def prepare(contacts: int) -> int:
    """Migrate, empty the tables, create the contacts and publish the journey; returns its id."""
    from django.core.management import call_command

    from contacts.services.audiences import audience_save
    from journeys.demo import demo_load
    from journeys.models import EmailTemplate
    from journeys.services import journey_create, journey_publish

    call_command("migrate", verbosity=0)
    tables_empty(
        *("journeys_step", "journeys_steptally", "journeys_nudge", "journeys_conversion", "journeys_webhookdelivery"),
        *("journeys_messageevent", "journeys_outboundmessage", "journeys_enrollment", "journeys_journeyversion"),
        *("journeys_journey", "contacts_audiencemember", "contacts_audience", "contacts_event", "contacts_contact"),
        *("contacts_dirtycontact", "contacts_stagechange", "contacts_segmentchange", "contacts_segmentmembership"),
    )
    demo_load()
    contacts_copy(contacts)
    audience = audience_save(name="Bench retargeting", provider="list", config={}, secrets={})
    welcome = EmailTemplate.objects.get(name="Welcome")
    graph = {
        "nodes": [
            node("t", "trigger", {"kind": "manual"}, 0),
            node("w", "wait", {"mode": "duration", "amount": 0, "unit": "minutes"}, 1),
            node("c", "condition", {"rule": {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"}}, 2),
            node("m", "send_email", {"template": welcome.pk}, 3),
            node("a", "add_to_audience", {"audience": audience.pk}, 4),
            node("x", "exit", {}, 5),
        ],
        "edges": [
            edge("t", None, "w"),
            edge("w", None, "c"),
            edge("c", "yes", "m"),
            edge("c", "no", "a"),
            edge("m", None, "a"),
            edge("a", None, "x"),
        ],
    }
    journey = journey_create(name="Bench welcome", graph=graph, settings={})
    journey_publish(journey=journey, now=datetime.now(UTC))
    return int(journey.pk)


def enroll(journey_id: int) -> tuple[int, float]:
    from django.db import transaction

    from contacts.models import Contact
    from journeys.entries import journey_enroll
    from journeys.models import Journey

    journey = Journey.objects.get(pk=journey_id)
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    started = time.perf_counter()
    entered = 0
    for start in range(0, len(ids), ENROLL_CHUNK):
        with transaction.atomic():
            report = journey_enroll(journey=journey, contact_ids=ids[start : start + ENROLL_CHUNK], key="bench")
        entered += report.entered
    return entered, time.perf_counter() - started


def _worker(batch: int, results: multiprocessing.Queue) -> None:
    django_setup()
    from django.db import connection

    from journeys.executor import executor_drain

    report = executor_drain(batch_size=batch)
    results.put(report.as_dict())
    connection.close()


def drain(workers: int, batch: int) -> tuple[float, list[dict[str, int]]]:
    from django.db import connection

    connection.close()  # children must not share this process's connection
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    started = time.perf_counter()
    processes = [context.Process(target=_worker, args=(batch, results)) for _ in range(workers)]
    for process in processes:
        process.start()
    reports = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return time.perf_counter() - started, reports


def check(journey_id: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT
              (SELECT count(*) FROM contacts_contact),
              (SELECT count(*) FROM journeys_enrollment WHERE journey_id = %(j)s),
              (SELECT count(*) FROM journeys_enrollment WHERE journey_id = %(j)s AND state <> 'completed'),
              (SELECT count(*) FROM journeys_step WHERE journey_id = %(j)s),
              (SELECT count(*) FROM contacts_contact WHERE attributes->>'plan' = 'pro'),
              (SELECT count(DISTINCT contact_id) FROM journeys_outboundmessage WHERE journey_id = %(j)s),
              (SELECT count(*) FROM journeys_outboundmessage WHERE journey_id = %(j)s),
              (SELECT count(*) FROM journeys_outboundmessage m JOIN contacts_contact c ON c.id = m.contact_id
                 WHERE m.journey_id = %(j)s AND c.attributes->>'plan' <> 'pro'),
              (SELECT count(*) FROM contacts_audiencemember WHERE wanted = 'in')
            """,
            {"j": journey_id},
        )
        row = cursor.fetchone()
    contacts, enrollments, unfinished, steps, pro, mailed, messages, wrong, members = row
    return {
        "contacts": contacts,
        "enrollments": enrollments,
        "steps": steps,
        "messages": messages,
        "duplicates": (messages - mailed) + wrong,
        "lost": unfinished + (contacts - enrollments) + (pro - mailed + wrong) + (contacts - members),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)  # the executor's BATCH_SIZE
    args = parser.parse_args()
    if "bench" not in os.environ.get("DATABASE_URL", "") or not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench': it is emptied.")
    django_setup()

    started = time.perf_counter()
    journey_id = prepare(args.contacts)
    print(f"prepare contacts={args.contacts} seconds={time.perf_counter() - started:.1f} (not timed below)")
    entered, enroll_seconds = enroll(journey_id)
    print(f"enroll enrollments={entered} seconds={enroll_seconds:.2f} enrollments_per_s={entered / enroll_seconds:.0f}")
    drain_seconds, reports = drain(args.workers, args.batch)
    batches = sum(r["batches"] for r in reports)
    print(
        f"drain workers={args.workers} batch={args.batch} batches={batches} seconds={drain_seconds:.2f} "
        f"enrollments_per_s={entered / drain_seconds:.0f} (per worker: "
        + ", ".join(f"{r['enrollments']} enrollments/{r['batches']} batches" for r in reports)
        + ")"
    )
    django_setup()
    result = check(journey_id)
    seconds = enroll_seconds + drain_seconds
    print(f"outbox messages={result['messages']} (one per pro contact)")
    print(
        f"contacts={result['contacts']} seconds={seconds:.2f} node_steps_per_s={result['steps'] / seconds:.0f} "
        f"duplicates={result['duplicates']} lost={result['lost']}"
    )


if __name__ == "__main__":
    main()
