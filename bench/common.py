"""What the benchmarks share: Django set up on the database of ``DATABASE_URL``, a free port,
and a bench database's contacts (``COPY``) and journey graphs.

A benchmark is run as a script (``python bench/executor.py``), so it puts the repository on
``sys.path`` before it imports this.
"""

from __future__ import annotations

import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "de", "nl", "sv"]
NAMES = ["Ann", "Bob", "Cem", "Dee", "Eva", "Finn", "Greta", "Hugo", "Ida", "Jan", "Karin", "Lars"]


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowbuilder.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tables_empty(*tables: str) -> None:
    """``TRUNCATE … CASCADE`` these tables and empty the task queue of the ORM broker."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("DELETE FROM django_q_ormq")


def contacts_copy(count: int) -> None:
    """``count`` contacts ``bench<i>@example.com`` with ``COPY``: first names, a plan attribute
    (two in three ``pro``), the lifecycle stages in turn, languages en/de/nl/sv in turn, half of
    them in Europe/Berlin, 3% unsubscribed."""
    from django.db import connection

    from contacts.models import LifecycleStage

    stages = list(LifecycleStage.objects.values_list("pk", flat=True))
    now = datetime.now(UTC)
    columns = (
        "email, first_name, last_name, timezone, locale, attributes, email_consent, created_at, updated_at, "
        "order_count, total_revenue, stage_id, consent_source"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY contacts_contact ({columns}) FROM STDIN") as copy:
        for i in range(count):
            copy.write_row(
                (
                    f"bench{i}@example.com",
                    NAMES[i % len(NAMES)],
                    "Bench",
                    "Europe/Berlin" if i % 2 else "",
                    LANGUAGES[i % len(LANGUAGES)],
                    '{"plan": "%s"}' % ("pro" if i % 3 else "free"),
                    "unsubscribed" if i % 33 == 0 else "subscribed",
                    now,
                    now,
                    0,
                    0,
                    stages[i % len(stages)],
                    "bench",
                )
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")


def node(node_id: str, kind: str, config: dict[str, Any], row: int) -> dict[str, Any]:
    """A node of a journey graph, as the canvas saves it."""
    return {"id": node_id, "type": kind, "config": config, "position": {"x": 0, "y": 120 * row}}


def edge(source: str, handle: str | None, target: str) -> dict[str, Any]:
    return {"id": f"{source}-{handle or 'next'}-{target}", "source": source, "sourceHandle": handle, "target": target}
