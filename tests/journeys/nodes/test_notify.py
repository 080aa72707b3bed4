from __future__ import annotations

import pytest

from journeys.models import Enrollment, OutboundMessage, Step


def test_it_needs_colleagues_a_subject_and_a_message(check):
    assert set(check("notify", {})[1]) == {"to", "subject", "body"}
    assert "to.0" in check("notify", {"to": ["sales"], "subject": "x", "body": "y"})[1]
    assert check("notify", {"to": ["sales@example.com"], "subject": "New lead", "body": "Call them"})[1] == {}


def test_its_subject_and_message_must_be_valid_templates(check):
    errors = check("notify", {"to": ["sales@example.com"], "subject": "Lead {{ contact.email", "body": "{% for %}"})[1]
    assert errors["subject"][0].startswith("Line 1:")
    assert errors["body"][0].startswith("Line 1:")
    assert "subject" in check("notify", {"to": ["s@example.com"], "subject": "a\nBcc: x", "body": "y"})[1]


# --- execute: a plain-text email to colleagues, queued with the step ---------------------------------


@pytest.fixture
def notifying(build, publish):
    """Publish form_submitted → notify(config) → exit; returns the journey."""

    def make(**config):
        graph = build(
            ("t", "trigger", {"kind": "event", "event": "form_submitted"}),
            ("n", "notify", {"to": ["sales@example.com", "lead@example.com"], **config}),
            ("end", "exit", {}),
            edges=[("t", "n"), ("n", "end")],
        )
        return publish(graph, name="Big leads")

    return make


def test_it_queues_the_notification_with_the_contact_the_event_and_the_journey_filled_in(
    notifying, person, happen, run, trace
):
    notifying(
        subject="New lead: {{ contact.email }}",
        body="{{ contact.first_name }} has a budget of {{ event.budget }} ({{ journey.name }}).",
    )
    kim = person(first_name="Kim")
    happen(kim, "form_submitted", {"budget": 9000})
    run()
    rows = OutboundMessage.objects.order_by("to_email")
    assert [(r.to_email, r.kind, r.status) for r in rows] == [
        ("lead@example.com", "transactional", "queued"),
        ("sales@example.com", "transactional", "queued"),
    ]
    assert {(r.subject, r.text_body) for r in rows} == {
        ("New lead: kim@example.com", "Kim has a budget of 9000 (Big leads).")
    }
    enrollment = Enrollment.objects.get()
    assert trace(enrollment) == [("t", "passed", "next"), ("n", "passed", "next"), ("end", "passed", "")]
    detail = Step.objects.get(enrollment=enrollment, node_id="n").detail
    assert sorted(detail["messages"]) == sorted(r.message_id for r in rows)


def test_colleagues_are_told_about_contacts_who_unsubscribed_from_marketing(notifying, person, happen, run):
    notifying(subject="Lead", body="{{ contact.email }}")
    happen(person(email_consent="unsubscribed"), "form_submitted")
    run()
    assert OutboundMessage.objects.filter(kind="transactional", status="queued").count() == 2


def test_a_message_that_cannot_be_rendered_is_skipped_with_the_reason_and_the_contact_moves_on(
    notifying, person, happen, run
):
    notifying(subject="Lead", body="{{ 1 / 0 }}")
    happen(person(), "form_submitted")
    run()
    step = Step.objects.get(node_id="n")
    assert (step.outcome, step.output) == ("skipped", "next")
    assert step.reason.startswith("The message cannot be rendered: ")
    assert "division" in step.reason
    assert not OutboundMessage.objects.exists()
    assert Enrollment.objects.get().state == "completed"
