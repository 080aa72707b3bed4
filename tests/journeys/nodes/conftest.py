from __future__ import annotations

import pytest

from journeys.graph import config_check


@pytest.fixture
def check(db):
    """``check(kind, config)`` → (validated config or None, errors by field)."""
    return config_check
