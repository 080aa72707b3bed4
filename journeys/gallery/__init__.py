"""Ready-made journeys a marketer starts from, shipped as JSON in the export format.

Each ``*.json`` here is a journey export (see ``services.journey_export``) with an extra
``gallery`` object: a key, the lifecycle stages it serves and a one-line pitch. Templates,
segments and audiences are named, so a journey imports cleanly wherever they exist (the demo
data has them all).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

HERE = Path(__file__).parent


@dataclass(frozen=True)
class GalleryTemplate:
    key: str
    name: str
    description: str
    stages: list[str]
    document: dict[str, Any]


@cache
def _documents() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(HERE.glob("*.json"))]


def templates() -> list[GalleryTemplate]:
    """Every gallery journey, names and descriptions in the active language."""
    return [
        GalleryTemplate(
            key=doc["gallery"]["key"],
            name=_(doc["name"]),
            description=_(doc["description"]),
            stages=list(doc["gallery"].get("stages", [])),
            document={k: v for k, v in doc.items() if k != "gallery"},
        )
        for doc in _documents()
    ]


def template(key: str) -> GalleryTemplate | None:
    return next((t for t in templates() if t.key == key), None)
