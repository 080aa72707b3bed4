"""The executor's tests use the journeys test world in ``tests/journeys/conftest.py``: ``publish``,
``person``, ``happen`` and ``run`` (shared with the node tests in ``tests/journeys/nodes``), and
the email channel's real SMTP server; ``database_url`` points other processes at the tests'
database."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.journeys.emails.conftest import smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def database_url() -> str:
    """The tests' PostgreSQL database as ``DATABASE_URL``, for processes the test starts."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
