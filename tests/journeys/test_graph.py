"""Reading graphs the canvas saves, and checking they are fit to publish."""

from __future__ import annotations

import pytest

from journeys.graph import GraphInvalid, graph_check, graph_parse


def codes(result):
    return sorted((p.code, p.node_id or p.edge_id, p.field) for p in result.errors)


class TestParse:
    def test_it_keeps_the_documented_keys_and_drops_what_the_canvas_adds(self):
        graph = graph_parse(
            {
                "nodes": [
                    {
                        "id": "a",
                        "type": "exit",
                        "position": {"x": 1, "y": 2},
                        "selected": True,
                        "data": {"x": 1},
                        "label": " End ",
                    }
                ],
                "edges": [{"id": "e", "source": "a", "target": "b", "animated": True}],
                "viewport": {"x": 0, "y": 0, "zoom": 1},
            }
        )
        assert graph == {
            "nodes": [{"id": "a", "type": "exit", "config": {}, "position": {"x": 1.0, "y": 2.0}, "label": "End"}],
            "edges": [{"id": "e", "source": "a", "sourceHandle": None, "target": "b"}],
        }

    @pytest.mark.parametrize(
        ("raw", "code", "field"),
        [
            ([], "invalid_graph", ""),
            ({"nodes": {}}, "invalid_graph", ""),
            ({"nodes": [{"type": "exit", "position": {"x": 0, "y": 0}}]}, "invalid_id", "nodes.0.id"),
            ({"nodes": [{"id": "a", "type": "teleport", "position": {"x": 0, "y": 0}}]}, "unknown_type", "type"),
            (
                {"nodes": [{"id": "a", "type": "exit", "config": [], "position": {"x": 0, "y": 0}}]},
                "invalid_config",
                "config",
            ),
            (
                {"nodes": [{"id": "a", "type": "exit", "position": {"x": "left", "y": 0}}]},
                "invalid_position",
                "position",
            ),
            ({"nodes": [{"id": "a", "type": "exit", "position": {"x": 0, "y": 0}}] * 2}, "duplicate_id", "id"),
            ({"edges": [{"id": "e", "source": 3, "target": "b"}]}, "invalid_edge", "source"),
            ({"edges": [{"id": "bad id!", "source": "a", "target": "b"}]}, "invalid_id", "edges.0.id"),
        ],
    )
    def test_what_cannot_be_read_is_refused_naming_the_node_and_field(self, raw, code, field):
        with pytest.raises(GraphInvalid) as caught:
            graph_parse(raw)
        assert (caught.value.problems[0].code, caught.value.problems[0].field) == (code, field)

    def test_huge_and_deep_graphs_are_refused(self):
        many = {
            "nodes": [{"id": f"n{i}", "type": "exit", "position": {"x": 0, "y": 0}} for i in range(501)],
            "edges": [],
        }
        with pytest.raises(GraphInvalid, match="at most 500"):
            graph_parse(many)
        deep: dict = {}
        cursor = deep
        for _ in range(40):
            cursor["x"] = {}
            cursor = cursor["x"]
        with pytest.raises(GraphInvalid, match="nested too deeply"):
            graph_parse(
                {"nodes": [{"id": "a", "type": "exit", "config": deep, "position": {"x": 0, "y": 0}}], "edges": []}
            )
        with pytest.raises(GraphInvalid, match="too large"):
            graph_parse(
                {"nodes": [{"id": "a", "type": "exit", "config": {"x": "y" * 1_100_000}, "position": {"x": 0, "y": 0}}]}
            )


class TestCheck:
    def test_a_complete_graph_is_valid(self, welcome_graph):
        result = graph_check(graph_parse(welcome_graph))
        assert result.valid, result.as_dict()
        assert result.warnings == []

    def test_a_graph_needs_a_trigger(self, build, refs):
        result = graph_check(graph_parse(build(("end", "exit", {}))))
        assert ("missing_trigger", None, "") in codes(result)

    def test_every_step_must_be_reachable_from_a_trigger(self, build, refs):
        graph = build(("t", "trigger", {"kind": "manual"}), ("a", "exit", {}), ("b", "exit", {}), edges=[("t", "a")])
        assert codes(graph_check(graph_parse(graph))) == [("unreachable", "b", "")]

    def test_edges_must_leave_from_an_existing_output_once(self, build, refs):
        graph = build(
            ("t", "trigger", {"kind": "manual"}),
            ("c", "condition", {"rule": {"type": "tag", "op": "has", "value": "vip"}}),
            ("x", "exit", {}),
            ("y", "exit", {}),
            edges=[
                ("t", "c"),
                ("c", "yes", "x"),
                ("c", "yes", "y"),
                ("c", "maybe", "y"),
                ("x", "y"),
                ("c", "no", "ghost"),
            ],
        )
        assert codes(graph_check(graph_parse(graph))) == [
            ("dangling_edge", "c", "target"),
            ("output_taken", "c", "sourceHandle"),
            ("unknown_output", "c", "sourceHandle"),
            ("unknown_output", "x", "sourceHandle"),
            ("unreachable", "y", ""),  # every edge into it was refused
        ]

    def test_nothing_leads_into_a_trigger(self, build, refs):
        graph = build(("t", "trigger", {"kind": "manual"}), ("u", "trigger", {"kind": "manual"}), edges=[("t", "u")])
        assert ("edge_into_trigger", "u", "target") in codes(graph_check(graph_parse(graph)))

    def test_a_loop_needs_a_wait(self, build, refs):
        tag = {"add_tags": ["looped"]}
        loop = build(
            ("t", "trigger", {"kind": "manual"}),
            ("a", "update_contact", tag),
            ("b", "update_contact", tag),
            edges=[("t", "a"), ("a", "b"), ("b", "a")],
        )
        assert codes(graph_check(graph_parse(loop))) == [("loop_without_wait", "a", ""), ("loop_without_wait", "b", "")]
        waited = build(
            ("t", "trigger", {"kind": "manual"}),
            ("a", "update_contact", tag),
            ("w", "wait", {"amount": 1, "unit": "days"}),
            edges=[("t", "a"), ("a", "w"), ("w", "a")],
        )
        assert graph_check(graph_parse(waited)).valid

    def test_configs_are_checked_per_step_and_field(self, build, refs):
        graph = build(
            ("t", "trigger", {"kind": "event"}),
            (
                "s",
                "split",
                {"branches": [{"key": "a", "label": "A", "percent": 70}, {"key": "b", "label": "B", "percent": 20}]},
            ),
            ("h", "webhook", {"url": "ftp://crm", "headers": {"Bad Header": "x"}}),
            edges=[("t", "s"), ("s", "a", "h")],
        )
        assert codes(graph_check(graph_parse(graph))) == [
            ("invalid_config", "h", "config.headers"),
            ("invalid_config", "h", "config.url"),
            ("invalid_config", "s", "config.branches"),
            ("invalid_config", "t", "config.event"),
        ]

    def test_references_must_exist_and_be_active(self, build, refs):
        refs["segment"].is_active = False
        refs["segment"].save()
        graph = build(
            ("t", "trigger", {"kind": "segment_entered", "segment": refs["segment"].pk}),
            ("m", "send_email", {"template": 99999}),
            ("a", "add_to_audience", {"audience": refs["audience"].pk}),
            ("s", "update_contact", {"stage": "royalty"}),
            edges=[("t", "m"), ("m", "a"), ("a", "s")],
        )
        assert codes(graph_check(graph_parse(graph))) == [
            ("inactive_reference", "t", "config.segment"),
            ("missing_reference", "m", "config.template"),
            ("missing_reference", "s", "config.stage"),
        ]

    def test_an_output_left_open_is_a_warning_not_an_error(self, build, refs):
        graph = build(
            ("t", "trigger", {"kind": "manual"}),
            ("c", "condition", {"rule": {"type": "tag", "op": "has", "value": "x"}}),
            edges=[("t", "c")],
        )
        result = graph_check(graph_parse(graph))
        assert result.valid
        assert sorted((w.code, w.field) for w in result.warnings) == [
            ("open_output", "outputs.no"),
            ("open_output", "outputs.yes"),
        ]
