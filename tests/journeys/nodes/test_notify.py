from __future__ import annotations


def test_it_needs_colleagues_a_subject_and_a_message(check):
    assert set(check("notify", {})[1]) == {"to", "subject", "body"}
    assert "to.0" in check("notify", {"to": ["sales"], "subject": "x", "body": "y"})[1]
    assert check("notify", {"to": ["sales@example.com"], "subject": "New lead", "body": "Call them"})[1] == {}
