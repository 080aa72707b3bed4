"""The executor's tests use the journeys test world in ``tests/journeys/conftest.py``: ``publish``,
``person``, ``happen`` and ``run`` (shared with the node tests in ``tests/journeys/nodes``), and
the email channel's real SMTP server."""

from __future__ import annotations

from tests.journeys.emails.conftest import smtp_server

__all__ = ["smtp_server"]
