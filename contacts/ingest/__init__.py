"""Ingest from analytics SDKs: a Segment-spec compatible tracking API (``/v1/track``, ``/v1/batch`` …).

``segment`` maps Segment messages (identify, track, page, screen, group, alias) onto the same
services the REST API uses (``contact_upsert``, ``events_record``), so segments update and
journeys trigger exactly as for any other event; ``views`` speaks the HTTP side (write keys,
gzip, size limits, the spec's answers). See docs/ingest-segment.md.
"""
