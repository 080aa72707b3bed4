from __future__ import annotations


def test_it_needs_colleagues_a_subject_and_a_message(check):
    assert set(check("notify", {})[1]) == {"to", "subject", "body"}
    assert "to.0" in check("notify", {"to": ["sales"], "subject": "x", "body": "y"})[1]
    assert check("notify", {"to": ["sales@example.com"], "subject": "New lead", "body": "Call them"})[1] == {}


def test_its_subject_and_message_must_be_valid_templates(check):
    errors = check("notify", {"to": ["sales@example.com"], "subject": "Lead {{ contact.email", "body": "{% for %}"})[1]
    assert errors["subject"][0].startswith("Line 1:")
    assert errors["body"][0].startswith("Line 1:")
    assert "subject" in check("notify", {"to": ["s@example.com"], "subject": "a\nBcc: x", "body": "y"})[1]
