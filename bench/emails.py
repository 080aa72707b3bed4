"""How fast the email channel renders into the outbox, and hands messages to an SMTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowbuilder_bench_email \
        .venv/bin/python bench/emails.py [--messages 20000] [--batch 500] [--senders 2]

Targets (this 2-core machine, PostgreSQL): render + outbox at least 5,000 messages/s per core;
the sender hands at least 1,000 messages/s to a local SMTP server.

The database named by ``DATABASE_URL`` (PostgreSQL only; its name must contain ``bench``) is
migrated, and its contacts and outbox tables are emptied. ``--messages`` contacts are created
(with ``COPY``): first names, a plan attribute, a lifecycle stage, languages en/de/nl/sv in
turn, 3% of them unsubscribed. The template is the demo "Welcome" (a 4 KB responsive layout
with CSS to inline, a preheader, a tracked button, German, Dutch and Swedish translations).

1. ``render_outbox``: ``messages_queue`` in batches of ``--batch`` contacts, each batch in its
   own transaction, as the executor's send step calls it; one process, so the figure is per
   core (PostgreSQL works on the other one). Every message is rendered for its contact in their
   language (personalised subject, preheader, HTML and text), its links signed and tracked,
   headers set, and stored with ``COPY``. A first batch warms the template cache, untimed.
2. ``send``: an aiosmtpd server runs in a child process on a free loopback port, accepting every
   message (it counts them, nothing more); ``--senders`` processes run ``messages_send`` at the
   same time, sharing the queue through ``SELECT … FOR UPDATE SKIP LOCKED``, until nothing is
   queued. The messages the server received are counted against those marked sent.

Each line ends with ``messages=N seconds=S messages_per_s=R``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: ``bench`` is importable from the repository
from bench.common import contacts_copy, django_setup, free_port, tables_empty  # noqa: E402

SMTP_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from aiosmtpd.controller import Controller

    class Count:
        received = 0
        async def handle_DATA(self, server, session, envelope):
            Count.received += len(envelope.rcpt_tos)
            return "250 OK"
        async def handle_RSET(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    for line in sys.stdin:  # "count" asks how many arrived; end of input stops the server
        print(Count.received, flush=True)
    controller.stop()
    """
)


def prepare(messages: int) -> None:
    """Migrate, empty contacts and the outbox, load the demo templates and ``messages`` contacts."""
    from django.core.management import call_command

    from journeys.demo import demo_load

    call_command("migrate", verbosity=0)
    tables_empty(
        *("journeys_messageevent", "journeys_outboundmessage", "contacts_event", "contacts_contact"),
        *("contacts_dirtycontact", "contacts_stagechange", "contacts_segmentchange", "contacts_segmentmembership"),
    )
    demo_load()
    contacts_copy(messages)


def bench_render_outbox(batch: int) -> tuple[int, float, float, dict[str, int]]:
    from django.db import transaction

    from contacts.models import Contact
    from journeys.emails.services.outbox import QueueItem, messages_queue
    from journeys.models import EmailTemplate, OutboundMessage

    template = EmailTemplate.objects.get(name="Welcome")
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    warm = list(Contact.objects.filter(pk__in=ids[:batch]))
    with transaction.atomic():
        messages_queue(items=[QueueItem(contact=c, template=template) for c in warm])
        transaction.set_rollback(True)
    started, cpu_started = time.perf_counter(), time.process_time()
    statuses: dict[str, int] = {}
    reading = 0.0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            # As the executor will: the batch's contacts are read in the step's transaction.
            read_started = time.perf_counter()
            contacts = list(Contact.objects.filter(pk__in=ids[start : start + batch]))
            reading += time.perf_counter() - read_started
            rows = messages_queue(
                items=[QueueItem(contact=c, template=template, event={"plan": "pro"}) for c in contacts]
            )
        for row in rows:
            statuses[str(row.status)] = statuses.get(str(row.status), 0) + 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if OutboundMessage.objects.count() != len(ids):
        raise SystemExit("not every contact has a row in the outbox")
    print(
        f"render_outbox reading_contacts_seconds={reading:.2f} (in the total below; without it: "
        f"messages_per_s={len(ids) / (seconds - reading):.0f})",
        flush=True,
    )
    return len(ids), seconds, cpu, statuses


def _sender(port: int) -> None:
    django_setup()
    from django.conf import settings
    from django.db import connection

    settings.EMAIL_IS_LOCAL = False
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = (
        "127.0.0.1",
        port,
        False,
        False,
    )
    settings.EMAIL_HOST_USER = ""
    from journeys.emails.sender import messages_send

    while messages_send(max_batches=1000).sent:
        pass
    connection.close()


def bench_send(senders: int) -> tuple[int, float, int]:
    from django.db import connection

    from journeys.models import OutboundMessage

    queued = OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).count()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SMTP_SERVER, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        for _attempt in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        connection.close()  # children must not share this process's connection
        context = multiprocessing.get_context("fork")
        started = time.perf_counter()
        workers = [context.Process(target=_sender, args=(port,)) for _ in range(senders)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - started
        if server.stdin is None or server.stdout is None:
            raise SystemExit("the SMTP server has no pipes")
        server.stdin.write("count\n")
        server.stdin.flush()
        received = int(server.stdout.readline())
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)
    sent = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count()
    if not sent == queued == received:
        raise SystemExit(f"queued {queued}, marked sent {sent}, received {received}")
    return sent, seconds, received


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--senders", type=int, default=2)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench' (it is emptied).")
    django_setup()
    prepare(args.messages)
    count, seconds, cpu, statuses = bench_render_outbox(args.batch)
    print(
        f"render_outbox batch={args.batch} statuses={statuses} cpu_seconds={cpu:.2f} "
        f"messages_per_cpu_s={count / cpu:.0f} messages={count} seconds={seconds:.2f} "
        f"messages_per_s={count / seconds:.0f}",
        flush=True,
    )
    sent, seconds, _received = bench_send(args.senders)
    print(
        f"send senders={args.senders} messages={sent} seconds={seconds:.2f} messages_per_s={sent / seconds:.0f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
