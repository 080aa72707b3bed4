"""How fast django-q2 drains no-op tasks here, with and without Flowbuilder's tuning.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flowbuilder_bench .venv/bin/python bench/taskqueue.py --tasks 3000

For each variant (CONN_MAX_AGE 0 or 60; save_limit 250 = django-q2's default, or -1 = no
success rows; bulk = tasks fetched per broker poll) it enqueues N tasks on the ORM broker,
starts `manage.py qcluster` and times until every task has run (each task INCRs a Redis
counter). One line per variant:
`variant=... tasks=N seconds=S tasks_per_s=R`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parent.parent
COUNTER = "flowbuilder:bench:taskqueue"
VARIANTS = [
    ("untuned", 0, 250, 1),
    ("conn_max_age_only", 60, 250, 1),
    ("save_limit_only", 0, -1, 1),
    ("flowbuilder", 60, -1, 1),
    ("flowbuilder_bulk10", 60, -1, 10),
]


def tick() -> None:
    """The task: count that it ran."""
    redis.Redis.from_url(os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")).incr(COUNTER)


def run_variant(name: str, conn_max_age: int, save_limit: int, bulk: int, tasks: int) -> float:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.q_variant_settings",
        "BENCH_CONN_MAX_AGE": str(conn_max_age),
        "BENCH_SAVE_LIMIT": str(save_limit),
        "BENCH_BULK": str(bulk),
        "REDIS_URL": "",  # the ORM broker is what we measure
        "LOG_LEVEL": "WARNING",
    }
    enqueue = (
        "import django; django.setup()\n"
        "from django_q.models import OrmQ, Success\n"
        "from django_q.tasks import async_task\n"
        "OrmQ.objects.all().delete(); Success.objects.all().delete()\n"
        f"[async_task('bench.taskqueue.tick') for _ in range({tasks})]\n"
    )
    subprocess.run([sys.executable, "-c", enqueue], cwd=REPO, env=env, check=True)
    client = redis.Redis.from_url(os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0"))
    client.set(COUNTER, 0)
    started = time.perf_counter()
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=REPO, env=env)
    try:
        while int(client.get(COUNTER) or 0) < tasks:
            if time.perf_counter() - started > 600:
                raise SystemExit(f"{name}: gave up after 600 s")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        cluster.terminate()
        cluster.wait(timeout=60)
    print(f"variant={name} tasks={tasks} seconds={seconds:.2f} tasks_per_s={tasks / seconds:.0f}", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=3000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (it will be migrated).")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, check=True)
    for variant in VARIANTS:
        run_variant(*variant, tasks=args.tasks)


if __name__ == "__main__":
    main()
