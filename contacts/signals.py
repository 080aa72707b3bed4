"""What the contacts app announces. Journeys (and anything else) subscribe; contacts never
imports them.

Every signal carries a batch, because writes happen in batches (an API call with 1,000
events, an import, a segment re-evaluation). Receivers run inside the writer's transaction,
after the rows exist: do set-based work, or queue it with ``transaction.on_commit``.
"""

from __future__ import annotations

from django.dispatch import Signal

#: ``events``: list of newly stored ``Event`` rows (retries that were already stored are left out).
events_recorded = Signal()

#: ``changes``: list of ``SegmentChange`` rows (entered or exited) just recorded.
segment_membership_changed = Signal()

#: ``changes``: list of ``StageChange`` rows just recorded.
stage_changed = Signal()

#: ``contact_ids``: contacts whose fields, attributes, tags or consent changed.
contacts_changed = Signal()
