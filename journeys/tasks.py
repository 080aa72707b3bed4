"""django-q2 tasks of the journeys app: thin wrappers around services."""

from __future__ import annotations

from journeys.emails.sender import messages_send


def send_queued_messages() -> dict[str, int]:
    """Deliver due email messages (queued after each batch of sends, and every minute for retries)."""
    return messages_send().__dict__
