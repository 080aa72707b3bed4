"""Every write of the email channel goes through these functions (see shared/STYLE.md).

- ``templates``: save templates, compile them per language, render them for a contact (preview)
- ``outbox``: queue marketing email (journeys), test sends, notifications to colleagues
- ``feedback``: opens, clicks, unsubscribes, bounces and complaints

Delivery of queued messages is ``journeys.emails.sender``.
"""
