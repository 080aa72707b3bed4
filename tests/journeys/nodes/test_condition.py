from __future__ import annotations

from journeys.nodes.condition import Condition


def test_the_rule_is_the_segment_rule_language(check):
    _config, errors = check(
        "condition",
        {
            "rule": {
                "type": "event",
                "name": "form_submitted",
                "where": [{"property": "budget", "op": "lt", "value": 5000}],
            }
        },
    )
    assert errors == {}
    assert [o.key for o in Condition.outputs] == ["yes", "no"]


def test_rule_errors_name_the_path_inside_the_rule(check):
    _config, errors = check("condition", {"rule": {"all": [{"type": "stage", "op": "in", "value": ["nope"]}]}})
    assert "all.0.value" in errors["rule"][0]


def test_segments_used_in_the_rule_are_references():
    refs = Condition.references(
        {"rule": {"any": [{"type": "segment", "op": "in", "value": 4}, {"type": "tag", "op": "has", "value": "x"}]}}
    )
    assert [(r.to, r.value) for r in refs] == [("segment", 4)]
