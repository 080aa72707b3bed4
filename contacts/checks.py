from __future__ import annotations

from typing import Any

from django.core import checks

from contacts.models import Audience
from contacts.providers import PROVIDERS, provider_class
from contacts.providers.base import Provider


@checks.register()
def providers_complete(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every audience provider choice has a registry entry that imports and implements add/remove."""
    problems: list[checks.CheckMessage] = []
    for key in Audience.Provider.values:
        if key not in PROVIDERS:
            problems.append(
                checks.Error(
                    f"Audience provider {key!r} has no entry in contacts.providers.PROVIDERS.", id="contacts.E001"
                )
            )
            continue
        try:
            cls = provider_class(key)
        except (ImportError, AttributeError) as exc:
            problems.append(checks.Error(f"Audience provider {key!r} does not import: {exc}", id="contacts.E001"))
            continue
        for method in ("add", "remove"):
            if getattr(cls, method) is getattr(Provider, method):
                problems.append(
                    checks.Error(f"Audience provider {key!r} does not implement {method}().", id="contacts.E001")
                )
        if cls.key != key:
            problems.append(checks.Error(f"Audience provider {key!r} declares key {cls.key!r}.", id="contacts.E001"))
    return problems
