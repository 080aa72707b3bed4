"""Reads for pickers: the event names the editor and the segment builder offer."""

from __future__ import annotations

from datetime import timedelta

from contacts import selectors
from contacts.selectors import known_event_names
from contacts.services.events import events_record


def record(now, *named: tuple[str, int]) -> None:
    """Events by name, each ``days`` before ``now``."""
    events_record(
        items=[
            {"name": name, "email": "kim@example.com", "occurred_at": (now - timedelta(days=days)).isoformat()}
            for name, days in named
        ],
        now=now,
    )


def test_no_events_no_names(db):
    assert known_event_names() == []


def test_names_come_once_each_most_recently_seen_first(db, now):
    record(now, ("page_viewed", 9), ("page_viewed", 8), ("page_viewed", 1), ("signed_up", 30), ("order_completed", 3))
    record(now, ("Form Submitted", 3))  # the same moment as order_completed: alphabetical between them
    assert known_event_names() == ["page_viewed", "Form Submitted", "order_completed", "signed_up"]
    assert known_event_names(limit=2) == ["page_viewed", "Form Submitted"]


def test_a_workspace_with_very_many_names_gets_the_newest_of_the_first_thousands(db, now, monkeypatch):
    """Each distinct name costs an index probe; past ``EVENT_NAMES_SCANNED`` names the scan stops."""
    monkeypatch.setattr(selectors, "EVENT_NAMES_SCANNED", 3)
    record(now, ("a", 5), ("b", 4), ("c", 3), ("d", 0))
    assert known_event_names() == ["c", "b", "a"]
