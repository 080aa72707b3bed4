"""How soon things happen with the app running as in production: `manage.py serve` (web server
and task cluster) on PostgreSQL, email to a local SMTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowbuilder_bench_latency \
        [REDIS_URL=redis://127.0.0.1:6379/3] .venv/bin/python bench/latency.py [--events 200] [--waits 60]

Targets (this 2-core machine): an event POSTed → its email accepted by the SMTP server, p95 at
most 1 s at light load; a 2-minute wait comes due (the contact moves on) within 2 s of its
time, p95.

The database named by ``DATABASE_URL`` (PostgreSQL; its name must contain ``bench``) is
migrated and emptied. Two journeys are published: ``signed_up`` → send Welcome → end, and
``trial_started`` → wait 2 minutes → send Welcome → end. An aiosmtpd server in this process
notes when each message arrives.

1. ``event_to_smtp``: after one warm-up event (not counted: the workers have just started),
   ``--events`` events ``signed_up``, one every 0.25 s, each for a new contact, POSTed to
   ``/api/v1/events/`` with an API key; the latency of each is from just before the POST to the
   moment the SMTP server has the whole message.
2. ``wait_due``: ``--waits`` events ``trial_started`` over 30 s; each contact's wait is due two
   minutes after it entered (the trigger passes straight on to the wait); its lateness is when
   the executor moved it on (the step log's time for the wait) minus that.

Each line ends with ``n=N p50=… p95=… max=…`` in seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: ``bench`` is importable from the repository
from bench.common import django_setup, edge, free_port, node, tables_empty  # noqa: E402


class Arrivals:
    """The SMTP server's handler: when each recipient's message arrived."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        moment = time.time()
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.at.setdefault(recipient.lower(), moment)
        return "250 OK"


def prepare() -> str:
    """Migrate, empty, publish the two journeys; returns an API key."""
    from django.core.management import call_command
    from django.db import connection

    from flowbuilder.accounts.roles import Role
    from flowbuilder.accounts.services import api_key_create, user_set_role
    from journeys.demo import demo_load
    from journeys.models import EmailTemplate
    from journeys.services import journey_create, journey_publish

    call_command("migrate", verbosity=0)
    tables_empty(
        *("journeys_step", "journeys_steptally", "journeys_nudge", "journeys_conversion", "journeys_webhookdelivery"),
        *("journeys_messageevent", "journeys_outboundmessage", "journeys_enrollment", "journeys_journeyversion"),
        *("journeys_journey", "contacts_event", "contacts_contact", "contacts_dirtycontact", "contacts_stagechange"),
        *("contacts_segmentchange", "contacts_segmentmembership"),
    )
    demo_load()
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(username="bench", defaults={"email": "bench@example.com"})
    user_set_role(user=user, role=Role.MARKETER)
    _row, key = api_key_create(user=user, name=f"bench {datetime.now(UTC).isoformat()}")
    welcome = EmailTemplate.objects.get(name="Welcome")
    now = datetime.now(UTC)
    for name, event, wait in (("Bench welcome", "signed_up", None), ("Bench trial", "trial_started", 2)):
        steps: list[tuple[str, str, dict[str, Any]]] = [("t", "trigger", {"kind": "event", "event": event})]
        if wait:
            steps.append(("w", "wait", {"mode": "duration", "amount": wait, "unit": "minutes"}))
        steps += [("m", "send_email", {"template": welcome.pk}), ("x", "exit", {})]
        nodes = [node(node_id, kind, config, row) for row, (node_id, kind, config) in enumerate(steps)]
        edges = [edge(a["id"], None, b["id"]) for a, b in itertools.pairwise(nodes)]
        journey = journey_create(name=name, graph={"nodes": nodes, "edges": edges}, settings={})
        journey_publish(journey=journey, now=now)
    connection.close()
    return key


def serve(port: int, smtp_port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the app did not start") from None
            time.sleep(0.2)
    time.sleep(5)  # the cluster's workers start after the web server answers
    return process


def post(port: int, key: str, name: str, email: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/events/",
        data=json.dumps({"name": name, "email": email}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own http:// URL
        response.read()


def summary(label: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, round(0.95 * len(values)) - 1)]
    return f"{label} n={len(values)} p50={statistics.median(values):.3f} p95={p95:.3f} max={values[-1]:.3f} (seconds)"


def event_to_smtp(port: int, key: str, arrivals: Arrivals, events: int) -> list[float]:
    # One first, not counted: the cluster's workers have just started (imports, connections).
    post(port, key, "signed_up", "warm-up@example.com")
    deadline = time.monotonic() + 60
    while "warm-up@example.com" not in arrivals.at and time.monotonic() < deadline:
        time.sleep(0.1)
    posted: dict[str, float] = {}
    for n in range(events):
        email = f"signup{n}@example.com"
        posted[email] = time.time()
        post(port, key, "signed_up", email)
        time.sleep(0.25)
    deadline = time.monotonic() + 30
    while len(arrivals.at.keys() & posted.keys()) < events and time.monotonic() < deadline:
        time.sleep(0.1)
    missing = posted.keys() - arrivals.at.keys()
    if missing:
        raise SystemExit(f"{len(missing)} emails never arrived")
    return [arrivals.at[email] - posted[email] for email in posted]


def wait_due(port: int, key: str, waits: int) -> list[float]:
    from journeys.models import Enrollment, Journey, Step

    for n in range(waits):
        post(port, key, "trial_started", f"trial{n}@example.com")
        time.sleep(30 / waits)
    journey = Journey.objects.get(name="Bench trial")
    deadline = time.monotonic() + 200
    while time.monotonic() < deadline:
        if Step.objects.filter(journey=journey, node_id="w").count() >= waits:
            break
        time.sleep(1)
    # It reached the wait when it entered (the trigger passes straight on), so the wait is due
    # two minutes after that.
    entered = dict(Enrollment.objects.filter(journey=journey).values_list("pk", "entered_at"))
    passed = dict(Step.objects.filter(journey=journey, node_id="w").values_list("enrollment_id", "at"))
    if len(passed) < waits:
        raise SystemExit(f"only {len(passed)} of {waits} waits came due")
    if Enrollment.objects.filter(journey=journey).count() != waits:
        raise SystemExit("a contact entered the trial journey twice, or not at all")
    return [(passed[pk] - (entered[pk] + timedelta(minutes=2))).total_seconds() for pk in passed]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--waits", type=int, default=60)
    args = parser.parse_args()
    if "bench" not in os.environ.get("DATABASE_URL", "") or not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench': it is emptied.")
    django_setup()
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command

    key = prepare()
    arrivals = Arrivals()
    smtp = Controller(arrivals, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    app = serve(port, smtp.port)
    try:
        broker = "Redis" if os.environ.get("REDIS_URL") else "the database (ORM)"
        print(f"serving on {port}, broker {broker}, SMTP on {smtp.port}", flush=True)
        print(summary("event_to_smtp", event_to_smtp(port, key, arrivals, args.events)), flush=True)
        print(summary("wait_due", wait_due(port, key, args.waits)), flush=True)
    finally:
        os.killpg(app.pid, signal.SIGINT)
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
        smtp.stop()


if __name__ == "__main__":
    main()
