"""When to try again: the backoff every outbox-style delivery in Flowbuilder shares (audience
syncs, email)."""

from __future__ import annotations

from datetime import timedelta


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8, 16 … minutes after each failed attempt."""
    return timedelta(minutes=2 ** max(0, attempts - 1))
