"""Settings for bench/ingest.py --db-pool: Flowbuilder's, with psycopg's connection pool.

Under ASGI every request runs in a thread of its own, so Django's persistent connections
(``CONN_MAX_AGE``) are never reused: each request opens a new PostgreSQL connection. Django
5.1+ can pool them instead (``OPTIONS["pool"]``, needs the ``psycopg-pool`` package; the pool
replaces ``CONN_MAX_AGE``, which must be 0).
"""

from __future__ import annotations

from flowbuilder.settings import *  # noqa: F403
from flowbuilder.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 8}
