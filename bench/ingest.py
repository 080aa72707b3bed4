"""How many events per second the HTTP ingest API stores, the way production serves it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowbuilder_bench_ingest \
        .venv/bin/python bench/ingest.py --events 200000 --clients 4 [--segments 20]

Target: at least 10,000 events/s on PostgreSQL on a 2-core machine.

``--segment`` measures the Segment-compatible tracking API instead: the same events as SDK
messages (``track``, ``page``; users by ``userId``, every message with a ``messageId`` as
the SDKs send them) in ``{"batch": [...]}`` bodies to ``/v1/batch``, authenticated with a
write key as HTTP Basic user name, expecting 200. Same checks, same result line.

The script migrates the database named by ``DATABASE_URL`` (PostgreSQL only; its name must
contain ``bench``, because the contacts tables are emptied first), creates a user in the
marketer role and an API key, and starts the real app server as a child process:
``python -m daphne -b 127.0.0.1 -p <free port> flowbuilder.asgi:application`` with
``DEBUG=false``. ``--workers N`` starts N daphne processes on N ports (daphne has no workers
option; the clients take turns, as a proxy in front of them would); ``--server gunicorn`` /
``--server uvicorn`` measure those with N workers instead, if installed (they are not
requirements); ``--db-pool`` serves with psycopg's connection pool (bench/pool_settings.py).
It then POSTs batches of 1,000 events (``{"events": [...]}``) to
``/api/v1/events/`` from ``--clients`` concurrent connections and times until every batch
has been answered 202. The events are realistic: ``signed_up``, ``page_viewed`` (with a
path), ``form_submitted`` (with a budget) and ``order_completed`` (with revenue) over
``--contacts`` distinct contacts identified by email (unknown ones are created by the API),
about 30% with an idempotency key. Request bodies are built before the clock starts.

``--segments N`` first saves N realistic dynamic segments, so that every batch also pays
for queueing its contacts for segment re-evaluation. The re-evaluation itself is not part of
the request: it runs after commit in a django-q2 task (``contacts.tasks.refresh_dirty_contacts``)
that drains the ``DirtyContact`` queue. No task cluster runs during the benchmark, so dirty
rows and drain tasks simply queue up; this measures the HTTP ingest path only.

The server gets ``REDIS_URL`` from this process's environment: set it (as production does)
to put the throttle cache and the drain tasks on Redis, leave it unset for the ORM broker.

Afterwards the stored events are counted in the database (every event sent must be there
exactly once; no idempotency key may be stored twice). Two lines say where the CPU went
(this machine's busy seconds, the client's, the servers', the rest: mostly PostgreSQL) and
how it ran; the last line is ``events=N seconds=S events_per_s=R``.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import logging
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
BATCH = 1000
BENCH_QUEUE = "flowbuilder-bench"
PATHS = ["/", "/pricing", "/features", "/blog/lifecycle-emails", "/docs/api", "/signup", "/contact", "/customers"]
SEGMENT_RULES: list[dict[str, Any]] = [
    {"type": "event", "name": "order_completed", "count": {"op": "gte", "value": 2}, "within_days": 90},
    {
        "all": [
            {"type": "event", "name": "order_completed"},
            {"not": {"type": "event", "name": "order_completed", "within_days": 60}},
        ]
    },
    {"type": "event", "name": "form_submitted", "where": [{"property": "budget", "op": "gte", "value": 5000}]},
    {
        "type": "event",
        "name": "page_viewed",
        "within_days": 7,
        "where": [{"property": "path", "op": "eq", "value": "/pricing"}],
    },
    {"type": "rfm", "metric": "monetary", "op": "gte", "value": 500},
    {"type": "rfm", "metric": "recency", "op": "gte", "value": 30},
    {"type": "stage", "op": "in", "value": ["customer", "repeat_customer"]},
    {"type": "consent", "op": "in", "value": ["subscribed"]},
    {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"},
    {
        "all": [
            {"type": "event", "name": "signed_up", "within_days": 14},
            {"type": "event", "name": "order_completed", "count": {"op": "eq", "value": 0}},
        ]
    },
]


def machine_busy_seconds() -> float:
    """CPU seconds all processors have spent busy since boot (Linux ``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowbuilder.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def reset_and_prepare(segments: int, *, segment_api: bool = False) -> str:
    """Empty the contacts tables, create a marketer with an API key (or a write key, for the
    tracking API) and ``segments`` segments. Returns the key."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from contacts.services.segments import segment_save
    from flowbuilder.accounts.roles import Role
    from flowbuilder.accounts.services import api_key_create, user_set_role

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE contacts_event, contacts_contact, contacts_segment, contacts_dirtycontact, "
            "contacts_stagechange, contacts_segmentchange, contacts_segmentmembership CASCADE"
        )
        cursor.execute("DELETE FROM django_q_ormq")
    user, _created = get_user_model().objects.get_or_create(username="bench-ingest")
    user_set_role(user=user, role=Role.MARKETER)
    for index in range(segments):
        rule = SEGMENT_RULES[index % len(SEGMENT_RULES)]
        segment_save(name=f"Bench segment {index + 1}", rule=rule)
    if segment_api:
        from flowbuilder.accounts.services import write_key_create

        _wk, key = write_key_create(name=f"bench {secrets.token_hex(4)}", user=user)
        return key
    _row, key = api_key_create(user=user, name=f"bench {secrets.token_hex(4)}")
    return key


def build_batches(events: int, contacts: int, seed: int) -> list[bytes]:
    """Request bodies of ``BATCH`` events each (the last may be shorter)."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    run = secrets.token_hex(4)
    now = datetime.now(UTC)
    bodies: list[bytes] = []
    sequence = 0
    for start in range(0, events, BATCH):
        items = []
        for _ in range(min(BATCH, events - start)):
            sequence += 1
            contact = rng.randrange(contacts)
            roll = rng.random()
            item: dict[str, Any] = {"email": f"person{contact}@bench.example.com"}
            if roll < 0.10:
                item["name"], item["properties"] = "signed_up", {"source": rng.choice(["ads", "organic", "referral"])}
            elif roll < 0.65:
                item["name"], item["properties"] = "page_viewed", {"path": rng.choice(PATHS)}
                item["context"] = {"user_agent": "Mozilla/5.0 (bench)", "ip": f"10.0.{contact % 256}.{sequence % 256}"}
            elif roll < 0.80:
                item["name"], item["properties"] = (
                    "form_submitted",
                    {"form": "demo", "budget": rng.choice([500, 2000, 5000, 12000])},
                )
            else:
                item["name"] = "order_completed"
                item["properties"] = {
                    "order_id": f"o-{run}-{sequence}",
                    "revenue": round(rng.uniform(5, 400), 2),
                    "currency": "EUR",
                }
            occurred = now - timedelta(seconds=rng.randrange(90 * 24 * 3600))
            item["occurred_at"] = occurred.isoformat().replace("+00:00", "Z")
            if rng.random() < 0.30:
                item["idempotency_key"] = f"{run}-{sequence}"
            items.append(item)
        bodies.append(json.dumps({"events": items}, separators=(",", ":")).encode())
    return bodies


SEGMENT_NAMES = {"signed_up": "Signed Up", "form_submitted": "Form Submitted", "order_completed": "Order Completed"}


def as_segment_batches(bodies: list[bytes], seed: int) -> list[bytes]:
    """The same events as Segment messages, ``{"batch": [...]}`` per body."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    out = []
    for body in bodies:
        messages = []
        for item in json.loads(body)["events"]:
            user = item["email"].split("@")[0]
            message: dict[str, Any] = {
                "userId": user,
                "messageId": item.get("idempotency_key") or f"m-{rng.getrandbits(64):016x}",
                "timestamp": item["occurred_at"],
                "context": {"library": {"name": "bench", "version": "1"}, **item.get("context", {})},
            }
            if item["name"] == "page_viewed":
                message |= {"type": "page", "properties": item["properties"]}
            else:
                message |= {"type": "track", "event": SEGMENT_NAMES[item["name"]], "properties": item["properties"]}
            messages.append(message)
        out.append(json.dumps({"batch": messages, "sentAt": datetime.now(UTC).isoformat()}).encode())
    return out


def server_command(server: str, port: int, workers: int) -> list[str]:
    if server == "daphne":  # one process; several daphnes run on several ports
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "flowbuilder.asgi:application"]
    if importlib.util.find_spec(server) is None:
        raise SystemExit(f"{server} is not installed (pip install {server} into the venv to measure it).")
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--no-access-log", "flowbuilder.asgi:application"]  # fmt: skip
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "flowbuilder.wsgi:application",
    ]


def start_server(server: str, port: int, workers: int, *, pool: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_INGEST": "1000000/min",
        "LOG_LEVEL": "WARNING",
        # Its own task queue: the drain tasks the servers queue (signed with the throwaway key
        # above, which no other cluster can read) are removed afterwards, see main().
        "Q_CLUSTER_NAME": BENCH_QUEUE,
    }
    if pool:
        env["DJANGO_SETTINGS_MODULE"] = "bench.pool_settings"
    # stdout carries the access log: kept out of the result, as a process manager would.
    process = subprocess.Popen(server_command(server, port, workers), cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {server} server exited with code {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in (200, 503):
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"the {server} server did not answer within 60 s")


def drop_bench_queue() -> None:
    """Remove the tasks the benchmark's servers queued (nobody else can read them)."""
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        redis.Redis.from_url(url).delete(f"django_q:{BENCH_QUEUE}:q")
    else:
        from django_q.models import OrmQ

        OrmQ.objects.filter(key=BENCH_QUEUE).delete()


def send(
    ports: list[int], key: str, bodies: list[bytes], clients: int, *, segment_api: bool = False
) -> tuple[float, dict[str, int]]:
    """POST every body from ``clients`` threads, each with its own connection (to the servers
    in turn, as a proxy in front of several would). Returns (seconds, totals)."""
    totals = {"stored": 0, "duplicates": 0, "rejected": 0}
    lock = threading.Lock()
    pending = iter(enumerate(bodies))
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    path, expected = "/api/v1/events/", 202
    if segment_api:
        basic = base64.b64encode(f"{key}:".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/json"}
        path, expected = "/v1/batch", 200

    def worker(port: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
            while True:
                with lock:
                    index, body = next(pending, (-1, b""))
                if index < 0 or failures:
                    return
                response = client.post(path, content=body)
                if response.status_code != expected:
                    failures.append(f"batch {index}: HTTP {response.status_code} {response.text[:500]}")
                    return
                data = response.json()
                data.setdefault("rejected", 0)  # the tracking API lists rejections only when there are some
                with lock:
                    for name in totals:
                        totals[name] += data[name]

    threads = [threading.Thread(target=worker, args=(ports[n % len(ports)],)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise SystemExit("\n".join(failures))
    return seconds, totals


def verify(events: int, totals: dict[str, int]) -> None:
    from django.db.models import Count

    from contacts.models import Event

    stored = Event.objects.count()
    repeated = (
        Event.objects.exclude(idempotency_key=None)
        .values("idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    problems = []
    if totals["stored"] != events or totals["duplicates"] or totals["rejected"]:
        problems.append(f"the API answered {totals} for {events} events")
    if stored != events:
        problems.append(f"{stored} events stored, {events} sent")
    if repeated:
        problems.append(f"{repeated} idempotency keys stored more than once")
    if problems:
        raise SystemExit("; ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=50_000, help="distinct contacts (emails) the events name")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--segments", type=int, default=0, help="dynamic segments to save first")
    parser.add_argument("--server", choices=["daphne", "uvicorn", "gunicorn"], default="daphne")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes: daphne has no workers option, so N daphnes on N ports (as behind a proxy)",
    )
    parser.add_argument(
        "--db-pool", action="store_true", help="serve with psycopg's connection pool (bench/pool_settings.py)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--segment", action="store_true", help="send Segment messages to /v1/batch with a write key")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/flowbuilder_bench_ingest"
        )
    if "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit("The database name must contain 'bench': this script empties its contacts tables.")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, check=True)
    django_setup()
    key = reset_and_prepare(args.segments, segment_api=args.segment)
    bodies = build_batches(args.events, args.contacts, args.seed)
    if args.segment:
        bodies = as_segment_batches(bodies, args.seed)
    from django.db import connections

    connections.close_all()
    ports = [free_port() for _ in range(args.workers if args.server == "daphne" else 1)]
    servers = [start_server(args.server, port, args.workers, pool=args.db_pool) for port in ports]
    try:
        before, busy_before = os.times(), machine_busy_seconds()
        seconds, totals = send(ports, key, bodies, args.clients, segment_api=args.segment)
        after, busy_after = os.times(), machine_busy_seconds()
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=30)
        drop_bench_queue()
    # Where the CPU went while sending (the servers' figure includes their start).
    servers_cpu = os.times()
    client = after.user + after.system - before.user - before.system
    serving = servers_cpu.children_user + servers_cpu.children_system - before.children_user - before.children_system
    busy = busy_after - busy_before
    verify(args.events, totals)
    print(
        f"cpu_seconds machine_busy={busy:.1f} of {seconds * (os.cpu_count() or 1):.1f} client={client:.1f} "
        f"server={serving:.1f} rest_mostly_postgres={busy - client - serving:.1f}",
        flush=True,
    )
    print(
        f"api={'segment /v1/batch' if args.segment else 'rest /api/v1/events/'} "
        f"server={args.server} workers={args.workers} clients={args.clients} segments={args.segments} "
        f"contacts={args.contacts} redis={'yes' if os.environ.get('REDIS_URL') else 'no'} db_pool={args.db_pool}",
        flush=True,
    )
    print(f"events={args.events} seconds={seconds:.2f} events_per_s={args.events / seconds:.0f}", flush=True)


if __name__ == "__main__":
    main()
