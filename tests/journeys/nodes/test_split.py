from __future__ import annotations

from journeys.nodes.split import Split

AB = [{"key": "a", "label": "Variant A", "percent": 50}, {"key": "b", "label": "Variant B", "percent": 50}]


def test_branches_become_outputs(check):
    config, errors = check("split", {"branches": AB})
    assert errors == {}
    assert [o.key for o in Split.outputs_for(config)] == ["a", "b"]


def test_percentages_must_add_up_to_100(check):
    assert "add up to 90" in check("split", {"branches": [{**AB[0], "percent": 40}, AB[1]]})[1]["branches"][0]


def test_two_to_five_branches_with_their_own_keys(check):
    assert "branches" in check("split", {"branches": AB[:1]})[1]
    assert "branches" in check("split", {"branches": [AB[0], {**AB[1], "key": "a"}]})[1]
    six = [{"key": f"k{i}", "label": str(i), "percent": 10} for i in range(6)]
    assert "branches" in check("split", {"branches": six})[1]
