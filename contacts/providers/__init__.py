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


def provider_class(key: str) -> type[Provider]:
    """The class registered for ``key``.

    Raises ``KeyError`` when ``key`` has no entry, ``ImportError`` when its entry does not lead
    to a ``Provider`` subclass, ``AttributeError`` when that class lacks ``key`` or ``label``.
    """
    return _import_provider(PROVIDERS[key])


@cache  # by dotted path, not by key: a changed entry is imported afresh
def _import_provider(path: str) -> type[Provider]:
    module, _dot, name = path.rpartition(".")
    if not module:
        raise ImportError(f"{path!r} is not a dotted path to a class")
    cls = getattr(import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ImportError(f"{path} is not a subclass of contacts.providers.base.Provider")
    for attribute in ("key", "label"):
        if not hasattr(cls, attribute):
            raise AttributeError(f"{path} does not declare {attribute!r}")
    return cls
