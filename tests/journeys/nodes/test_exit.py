from __future__ import annotations

from journeys.nodes.exit import Exit


def test_an_exit_ends_the_journey(check):
    assert check("exit", {})[0] == {"reason": "end"}
    assert check("exit", {"reason": "goal"})[0] == {"reason": "goal"}
    assert Exit.outputs == ()
