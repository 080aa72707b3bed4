"""Journeys test world: the demo email templates, a segment and an audience, and a graph builder."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contacts.services.audiences import audience_save
from contacts.services.segments import segment_save
from journeys.demo import demo_load
from journeys.models import EmailTemplate

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
