"""The node tests: config validation (``check``), and each node's ``execute`` run by the real
executor on small published graphs (``publish``, ``person``, ``happen`` and ``run`` come from
``tests/journeys/conftest.py``). The local HTTP server is the one the provider tests use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from journeys.graph import config_check
from journeys.models import Enrollment, Step
from tests.contacts.providers.conftest import http_server

__all__ = ["http_server"]


@pytest.fixture
def check(db):
    """``check(kind, config)`` → (validated config or None, errors by field)."""
    return config_check


@pytest.fixture
def trace(db: None) -> Callable[..., list[tuple[str, str, str]]]:
    """``trace(enrollment)`` → its steps as (node, outcome, output), in order: the per-contact trace."""

    def steps(enrollment: Enrollment) -> list[tuple[str, str, str]]:
        return list(
            Step.objects.filter(enrollment=enrollment).order_by("seq").values_list("node_id", "outcome", "output")
        )

    return steps


@pytest.fixture
def enrollment_of(db: None) -> Callable[..., Enrollment]:
    """``enrollment_of(contact)`` → the contact's only enrollment, read fresh."""

    def get(contact: Any, **filters: Any) -> Enrollment:
        return Enrollment.objects.get(contact=contact, **filters)

    return get
