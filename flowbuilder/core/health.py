"""Readiness checks behind ``/healthz``: the database and the task broker."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    ms: float
    detail: str


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_broker() -> str:
    """Redis when REDIS_URL is set (broker, cache and channel layer), else the ORM broker's table."""
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return "redis"
    from django_q.models import OrmQ

    OrmQ.objects.exists()
    return "orm"


CHECKS: dict[str, Callable[[], str]] = {"database": check_database, "broker": check_broker}


def run_checks() -> list[CheckResult]:
    """Run every check; a failing check is reported with its error, never raised."""
    results = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"; say which
            detail, ok = f"{type(exc).__name__}: {exc}", False
        results.append(CheckResult(name, ok, round((time.perf_counter() - started) * 1000, 1), detail))
    return results
