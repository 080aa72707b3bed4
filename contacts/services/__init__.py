"""Every write to contacts data goes through these functions (see shared/STYLE.md).

- ``contacts``: create, update, erase contacts; tags; consent; lifecycle stages
- ``events``: record events, one or a batch (API, import, ingest and tests all use it)
- ``segments``: save segments, keep membership current, announce entries and exits
- ``audiences``: membership of retargeting audiences and their provider sync
- ``imports``: CSV imports
"""
