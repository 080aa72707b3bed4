"""Journeys test world: the demo email templates, a segment and an audience, a graph builder, and
the executor's helpers: publish a graph, create contacts, record events and drain, all at ``now``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contacts.services.audiences import audience_save
from contacts.services.contacts import contact_upsert
from contacts.services.events import event_record
from contacts.services.segments import segment_save
from journeys.demo import demo_load
from journeys.executor import executor_drain
from journeys.models import EmailTemplate
from journeys.services import journey_create, journey_publish

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def refs(db):
    """Rows graphs refer to: every demo template, a segment and an audience, by short name."""
    demo_load()
    segment = segment_save(name="At risk customers", rule={"type": "event", "name": "order_completed"}, now=NOW)
    audience = audience_save(name="Win-back retargeting", provider="list", config={}, secrets={})
    return {"welcome": EmailTemplate.objects.get(name="Welcome"), "segment": segment, "audience": audience}


@pytest.fixture
def build():
    """``build(("t", "trigger", {...}), ..., edges=[("t", "e"), ("c", "yes", "x")])`` → a graph dict."""

    def make(*nodes, edges=()):
        graph = {"nodes": [], "edges": []}
        for index, (node_id, kind, config) in enumerate(nodes):
            graph["nodes"].append(
                {"id": node_id, "type": kind, "config": config, "position": {"x": 0, "y": 120 * index}}
            )
        for edge in edges:
            source, handle, target = edge if len(edge) == 3 else (edge[0], None, edge[1])
            graph["edges"].append(
                {
                    "id": f"{source}-{handle or 'next'}-{target}",
                    "source": source,
                    "sourceHandle": handle,
                    "target": target,
                }
            )
        return graph

    return make


@pytest.fixture
def welcome_graph(build, refs):
    return build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("wait", "wait", {"mode": "duration", "amount": 2, "unit": "days"}),
        ("opened", "condition", {"rule": {"type": "event", "name": "email_opened", "within_days": 2}}),
        ("end", "exit", {}),
        edges=[("t", "mail"), ("mail", "wait"), ("wait", "opened"), ("opened", "yes", "end"), ("opened", "no", "end")],
    )


@pytest.fixture
def now():
    return NOW


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


@pytest.fixture
def welcome_series(refs, build, publish):
    """The welcome series, published: the Welcome email, two days, then the tips to those who
    opened it; named steps, and the goal is a first order."""
    tips = EmailTemplate.objects.get(name="Getting started")
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("wait", "wait", {"mode": "duration", "amount": 2, "unit": "days"}),
        ("opened", "condition", {"rule": {"type": "event", "name": "email_opened", "within_days": 3}}),
        ("tips", "send_email", {"template": tips.pk}),
        ("end", "exit", {}),
        edges=[
            ("t", "mail"),
            ("mail", "wait"),
            ("wait", "opened"),
            ("opened", "yes", "tips"),
            ("opened", "no", "end"),
            ("tips", "end"),
        ],
    )
    graph["nodes"][1]["label"] = "Welcome mail"
    graph["nodes"][3]["label"] = "Opened the welcome?"
    settings = {"goal": {"event": "order_completed", "within_days": 7}}
    return publish(graph, settings=settings, name="Welcome series")


@pytest.fixture
def signup_journey(build, refs, publish):
    """Published: signed_up → the Welcome email → wait 2 days → end; the goal is an order
    within 30 days, and closing the account takes the contact out."""
    return publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "signed_up"}),
            ("mail", "send_email", {"template": refs["welcome"].pk}),
            ("wait", "wait", {"mode": "duration", "amount": 2, "unit": "days"}),
            ("end", "exit", {}),
            edges=[("t", "mail"), ("mail", "wait"), ("wait", "end")],
        ),
        settings={
            "goal": {"event": "order_completed", "within_days": 30},
            "exit_rules": [{"kind": "event", "event": "account_closed"}],
        },
        name="Welcome series",
    )
