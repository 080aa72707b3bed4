"""Audience providers: where a retargeting audience lives and how members get there.

``PROVIDERS`` maps an audience's ``provider`` to the dotted path of its class, imported
lazily. To add one: write ``contacts/providers/<name>.py`` with a subclass of
``base.Provider`` (``add``/``remove`` take a batch of members and raise ``ProviderError``,
``permanent=True`` when retrying cannot help), add a line here and a choice to
``Audience.Provider``, and a test in ``tests/contacts/providers/``. The system check
``contacts.E001`` fails when an entry does not import or is incomplete.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from contacts.providers.base import Provider

PROVIDERS: dict[str, str] = {
    "list": "contacts.providers.list.ListProvider",
    "webhook": "contacts.providers.webhook.WebhookProvider",
    "meta": "contacts.providers.meta.MetaProvider",
}


@cache
def provider_class(key: str) -> type[Provider]:
    module, _dot, name = PROVIDERS[key].rpartition(".")
    cls: type[Provider] = getattr(import_module(module), name)
    return cls
