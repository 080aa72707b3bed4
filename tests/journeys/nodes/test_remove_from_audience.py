from __future__ import annotations

from journeys.nodes.remove_from_audience import RemoveFromAudience


def test_it_names_an_audience_like_adding_does(check):
    assert "audience" in check("remove_from_audience", {"audience": "all"})[1]
    assert check("remove_from_audience", {"audience": 2})[1] == {}
    assert RemoveFromAudience.kind == "remove_from_audience"
