"""What journeys do when the contacts app announces something (connected in ``apps.py``).

Each announcement carries the moment it was recorded at (``received_at``, ``changed_at``), and
journeys use that moment: a test or an import that passes ``now=`` gets consistent times.
"""

from __future__ import annotations

from typing import Any

from journeys.entries import journeys_on_events, journeys_on_segment_changes, journeys_on_stage_changes


def on_events_recorded(sender: Any, events: list[Any], **kwargs: Any) -> None:
    if events:
        journeys_on_events(events, now=max(event.received_at for event in events))


def on_segment_membership_changed(sender: Any, changes: list[Any], **kwargs: Any) -> None:
    if changes:
        journeys_on_segment_changes(changes, now=max(change.changed_at for change in changes))


def on_stage_changed(sender: Any, changes: list[Any], **kwargs: Any) -> None:
    if changes:
        journeys_on_stage_changes(changes, now=max(change.changed_at for change in changes))
