"""The executor's test world: publish a graph, create contacts, record events, all at ``now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from contacts.services.contacts import contact_upsert
from contacts.services.events import event_record
from journeys.executor import executor_drain
from journeys.services import journey_create, journey_publish


@pytest.fixture
def publish(db: None, now: Any) -> Callable[..., Any]:
    """``publish(graph, settings={...})`` → an active journey with the graph as its live version."""

    def make(graph: dict[str, Any], *, settings: dict[str, Any] | None = None, name: str = "Test journey") -> Any:
        journey = journey_create(name=name, graph=graph, settings=settings or {})
        journey_publish(journey=journey, now=now)
        return journey

    return make


@pytest.fixture
def person(db: None, now: Any) -> Callable[..., Any]:
    def make(address: str = "kim@example.com", **data: Any) -> Any:
        contact, _created = contact_upsert(email=address, data=data, now=now)
        return contact

    return make


@pytest.fixture
def happen(db: None, now: Any) -> Callable[..., Any]:
    """``happen(contact, "signed_up", {"plan": "pro"}, at=now)`` records an event as the API would."""

    def record(contact: Any, name: str, properties: dict[str, Any] | None = None, *, at: Any = None) -> Any:
        return event_record(
            name=name, contact=contact, properties=properties or {}, now=at or now, occurred_at=at or now
        )

    return record


@pytest.fixture
def run(db: None, now: Any) -> Callable[..., Any]:
    """``run(after=timedelta(days=2))`` drains the executor at ``now + after``."""

    def drain(after: timedelta = timedelta(0)) -> Any:
        return executor_drain(now=now + after)

    return drain
