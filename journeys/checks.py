from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from rest_framework import serializers

from journeys.nodes import NODE_TYPES, node_type
from journeys.nodes.base import Category, NodeType


@checks.register()
def node_types_complete(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every registered node type imports, declares everything the palette needs, and matches its key."""
    problems: list[checks.CheckMessage] = []
    icons_file = Path(settings.BASE_DIR) / "frontend" / "icons.json"
    icons = set(json.loads(icons_file.read_text())["icons"]) if icons_file.exists() else None
    for kind in NODE_TYPES:
        try:
            cls = node_type(kind)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            problems.append(checks.Error(f"Node type {kind!r} does not import: {exc}", id="journeys.E001"))
            continue
        missing = [
            name for name in ("kind", "label", "description", "category", "icon", "Config") if not hasattr(cls, name)
        ]
        if missing:
            problems.append(checks.Error(f"Node type {kind!r} lacks {', '.join(missing)}.", id="journeys.E001"))
            continue
        if cls.kind != kind:
            problems.append(checks.Error(f"Node type {kind!r} declares kind {cls.kind!r}.", id="journeys.E001"))
        if cls.category not in Category.LABELS:
            problems.append(
                checks.Error(f"Node type {kind!r} has an unknown category {cls.category!r}.", id="journeys.E001")
            )
        if not (isinstance(cls.Config, type) and issubclass(cls.Config, serializers.Serializer)):
            problems.append(checks.Error(f"Node type {kind!r}: Config is not a serializer.", id="journeys.E001"))
        if icons is not None and cls.icon not in icons:
            problems.append(
                checks.Error(
                    f"Node type {kind!r}: icon {cls.icon!r} is not in frontend/icons.json.", id="journeys.E001"
                )
            )
        if not issubclass(cls, NodeType):
            problems.append(checks.Error(f"Node type {kind!r} is not a NodeType.", id="journeys.E001"))
    return problems
