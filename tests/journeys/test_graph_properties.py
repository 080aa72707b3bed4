"""Property-based: any graph, however wrong, is answered with problems, never a crash; and a graph
the checker accepts really satisfies every rule."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.graph import GraphInvalid, graph_check, graph_parse
from journeys.nodes import NODE_TYPES, node_type

IDS = st.sampled_from(["a", "b", "c", "d", "e", "t"])
KINDS = st.sampled_from(sorted(NODE_TYPES))
CONFIGS = st.sampled_from(
    [
        {},
        {"kind": "manual"},
        {"kind": "event", "event": "x"},
        {"amount": 1, "unit": "days"},
        {"mode": "event", "event": "x"},
        {"rule": {"type": "tag", "op": "has", "value": "x"}},
        {"add_tags": ["x"]},
        {"reason": "goal"},
        {"branches": [{"key": "a", "label": "A", "percent": 50}, {"key": "b", "label": "B", "percent": 50}]},
        {"to": ["a@example.com"], "subject": "s", "body": "b"},
        {"url": "https://x.example"},
        {"template": 1},
    ]
)
junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
    max_leaves=6,
)
nodes = st.fixed_dictionaries(
    {
        "id": IDS,
        "type": KINDS,
        "config": CONFIGS,
        "position": st.fixed_dictionaries({"x": st.integers(-500, 500), "y": st.integers(-500, 500)}),
    }
)
edges = st.fixed_dictionaries(
    {
        "id": st.text("abcdef123", min_size=1, max_size=4),
        "source": IDS,
        "target": IDS,
        "sourceHandle": st.none()
        | st.sampled_from(["next", "yes", "no", "a", "b", "event", "timeout", "failed", "zzz"]),
    }
)
graphs = st.fixed_dictionaries(
    {"nodes": st.lists(nodes | junk, max_size=7), "edges": st.lists(edges | junk, max_size=10)}
)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@SETTINGS
@given(raw=graphs | junk)
def test_validation_never_crashes_and_accepts_only_sound_graphs(db, raw):
    try:
        graph = graph_parse(raw)
    except GraphInvalid as exc:
        problems = exc.problems
        assert problems
        return
    result = graph_check(graph)
    if not result.valid:
        return
    ids = {n["id"] for n in graph["nodes"]}
    types = {n["id"]: node_type(n["type"]) for n in graph["nodes"]}
    assert any(cls.is_trigger for cls in types.values())
    taken = set()
    outgoing: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        assert edge["source"] in ids
        assert edge["target"] in ids
        assert not types[edge["target"]].is_trigger
        outputs = [o.key for o in types[edge["source"]].outputs_for(result.configs[edge["source"]])]
        handle = edge["sourceHandle"] or "next"
        assert handle in outputs
        assert (edge["source"], handle) not in taken
        taken.add((edge["source"], handle))
        outgoing.setdefault(edge["source"], []).append(edge["target"])
    reached = {i for i, cls in types.items() if cls.is_trigger}
    frontier = list(reached)
    while frontier:
        for target in outgoing.get(frontier.pop(), []):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == ids
    # no loop without a pausing step: from a busy step, only busy steps, never back to itself
    busy = {i for i, cls in types.items() if not cls.pauses}
    for start in busy:
        seen, stack = set(), [t for t in outgoing.get(start, []) if t in busy]
        while stack:
            node = stack.pop()
            assert node != start
            if node not in seen:
                seen.add(node)
                stack.extend(t for t in outgoing.get(node, []) if t in busy)
    for node_id in types:
        if "branches" in result.configs[node_id]:
            assert sum(b["percent"] for b in result.configs[node_id]["branches"]) == 100
