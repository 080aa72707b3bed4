from __future__ import annotations

from journeys.nodes.send_email import SendEmail


def test_a_template_is_required_and_overrides_are_optional(check):
    assert "template" in check("send_email", {})[1]
    config, errors = check("send_email", {"template": 3, "subject": "Hi", "sender_email": "shop@example.com"})
    assert errors == {}
    assert config["skip_if_capped"] is False
    assert "sender_email" in check("send_email", {"template": 3, "sender_email": "nope"})[1]


def test_the_template_is_a_reference():
    assert [(r.to, r.value) for r in SendEmail.references({"template": 3})] == [("template", 3)]


def test_a_subject_override_must_be_a_valid_template_on_one_line(check):
    assert check("send_email", {"template": 3, "subject": "Hi {{ contact.first_name }}"})[1] == {}
    assert check("send_email", {"template": 3, "subject": "Hi {{ contact.first_name"})[1]["subject"][0].startswith(
        "Line 1:"
    )
    assert "subject" in check("send_email", {"template": 3, "subject": "Hi\r\nBcc: x@example.com"})[1]
