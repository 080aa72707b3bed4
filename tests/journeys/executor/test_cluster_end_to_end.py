"""The whole way, as in production: an event POSTed over HTTP, the task cluster (a real
``manage.py qcluster`` process) runs the journey, and the email arrives at an SMTP server.

The cluster shares the tests' PostgreSQL database (so this runs on PostgreSQL, as CI runs it)
and its broker (Redis when ``REDIS_URL`` is set, else the database).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from flowbuilder.accounts.services import api_key_create
from journeys.models import Enrollment, OutboundMessage

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: the cluster shares the database"),
]

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def cluster(smtp_server: Any, database_url: str) -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "Q_WORKERS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def post_event(url: str, key: str, event: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/api/v1/events/",
        data=json.dumps(event).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (201, 202)
        return dict(json.loads(response.read()))


def test_a_signup_posted_over_http_reaches_the_smtp_server_through_the_running_cluster(
    live_server: Any,
    cluster: subprocess.Popen[str],
    smtp_server: Any,
    publish: Callable[..., Any],
    build: Callable[..., Any],
    refs: dict[str, Any],
    make_user: Callable[..., Any],
) -> None:
    journey = publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "signed_up"}),
            ("mail", "send_email", {"template": refs["welcome"].pk}),
            ("end", "exit", {}),
            edges=[("t", "mail"), ("mail", "end")],
        )
    )
    _row, key = api_key_create(user=make_user(), name="signup form")

    post_event(live_server.url, key, {"name": "signed_up", "email": "kim@example.com", "properties": {"plan": "pro"}})

    deadline = time.monotonic() + 60  # the cluster starting up takes most of it
    while not smtp_server.received and time.monotonic() < deadline and cluster.poll() is None:
        time.sleep(0.1)
    assert smtp_server.received, f"nothing arrived; the cluster said:\n{_output(cluster)}"
    (message,) = smtp_server.received
    assert message.rcpt_tos == ["kim@example.com"]
    stored = OutboundMessage.objects.get()
    assert message.message["Message-ID"] == stored.message_id
    assert stored.journey == journey
    deadline = time.monotonic() + 10  # marked sent in the same transaction that handed it over
    while OutboundMessage.objects.get().status != OutboundMessage.Status.SENT and time.monotonic() < deadline:
        time.sleep(0.1)
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.SENT
    assert Enrollment.objects.get().state == Enrollment.State.COMPLETED


def _output(process: subprocess.Popen[str]) -> str:
    process.terminate()
    return process.communicate(timeout=30)[0][-4000:]
