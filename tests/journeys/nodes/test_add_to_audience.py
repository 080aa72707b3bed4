from __future__ import annotations

from journeys.nodes.add_to_audience import AddToAudience


def test_it_names_an_audience(check):
    assert "audience" in check("add_to_audience", {})[1]
    assert check("add_to_audience", {"audience": 2})[1] == {}
    assert [(r.to, r.value) for r in AddToAudience.references({"audience": 2})] == [("audience", 2)]
