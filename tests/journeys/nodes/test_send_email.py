from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts.services.contacts import contact_update, contact_upsert
from journeys.entries import journey_enroll
from journeys.executor import executor_drain
from journeys.models import EmailTemplate, Enrollment, OutboundMessage, Step
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


# --- execute: the outbox, consent and the send window -----------------------------------------------
# The frequency cap (deferring, "skip if capped", priorities) and the send window in the contact's
# zone across DST are in tests/journeys/executor/test_sending_rules.py.


@pytest.fixture
def mailing(build, publish, refs):
    """Publish manual entry → send the Welcome email (``config``) → exit; returns the journey."""

    def make(*, settings=None, **config):
        graph = build(
            ("t", "trigger", {"kind": "manual"}),
            ("mail", "send_email", {"template": refs["welcome"].pk, **config}),
            ("end", "exit", {}),
            edges=[("t", "mail"), ("mail", "end")],
        )
        return publish(graph, settings=settings)

    return make


def test_it_queues_one_marketing_email_per_enrollment_with_the_step(mailing, person, trace, now):
    journey = mailing()
    people = [person("kim@example.com", first_name="Kim"), person("bo@example.com"), person("cy@example.com")]
    journey_enroll(journey=journey, contact_ids=[p.pk for p in people], now=now)
    executor_drain(now=now)
    rows = OutboundMessage.objects.order_by("to_email")
    assert [(r.to_email, r.kind, r.status, r.node_id, r.seq) for r in rows] == [
        ("bo@example.com", "marketing", "queued", "mail", 2),
        ("cy@example.com", "marketing", "queued", "mail", 2),
        ("kim@example.com", "marketing", "queued", "mail", 2),
    ]
    kim = OutboundMessage.objects.get(to_email="kim@example.com")
    enrollment = Enrollment.objects.get(contact=people[0])
    assert (kim.enrollment_id, kim.journey_id, kim.version_id) == (enrollment.pk, journey.pk, journey.live_version_id)
    assert kim.subject == "Kim, welcome to Flowbuilder Shop"
    assert trace(enrollment) == [("t", "passed", "next"), ("mail", "passed", "next"), ("end", "passed", "")]
    assert Step.objects.get(enrollment=enrollment, node_id="mail").detail == {"message": kim.message_id}


def test_a_subject_set_on_the_step_replaces_the_templates(mailing, person, now):
    journey = mailing(subject="Hi {{ contact.first_name }}, one more thing")
    journey_enroll(journey=journey, contact_ids=[person(first_name="Kim").pk], now=now)
    executor_drain(now=now)
    assert OutboundMessage.objects.get().subject == "Hi Kim, one more thing"


def test_a_loop_back_through_the_step_sends_again_as_a_new_step(build, publish, refs, person, now):
    graph = build(
        ("t", "trigger", {"kind": "manual"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("w", "wait", {"amount": 1, "unit": "days"}),
        ("c", "condition", {"rule": {"type": "tag", "op": "has", "value": "onboarded"}}),
        ("end", "exit", {}),
        edges=[("t", "mail"), ("mail", "w"), ("w", "c"), ("c", "yes", "end"), ("c", "no", "mail")],
    )
    journey = publish(graph)
    kim = person()
    journey_enroll(journey=journey, contact_ids=[kim.pk], now=now)
    executor_drain(now=now)
    executor_drain(now=now + timedelta(days=1))
    contact_update(contact=kim, data={"add_tags": ["onboarded"]}, now=now + timedelta(days=1, hours=1))
    executor_drain(now=now + timedelta(days=2))
    assert list(OutboundMessage.objects.order_by("seq").values_list("node_id", "seq")) == [("mail", 2), ("mail", 5)]
    assert Enrollment.objects.get().state == "completed"


@pytest.mark.parametrize(
    ("consent", "reason"),
    [
        ("unsubscribed", "The contact unsubscribed from marketing email."),
        ("bounced", "The contact's address bounced."),
        ("complained", "The contact reported an email as spam."),
    ],
)
def test_it_skips_contacts_who_may_not_get_marketing_email_and_they_move_on(
    mailing, person, trace, now, consent, reason
):
    journey = mailing()
    kim, bo = person("kim@example.com"), person("bo@example.com", email_consent=consent)
    journey_enroll(journey=journey, contact_ids=[kim.pk, bo.pk], now=now)
    executor_drain(now=now)
    step = Step.objects.get(enrollment__contact=bo, node_id="mail")
    assert (step.outcome, step.output, step.reason) == ("skipped", "next", reason)
    assert Enrollment.objects.get(contact=bo).state == "completed"
    assert trace(Enrollment.objects.get(contact=bo))[-1] == ("end", "passed", "")
    # The outbox keeps a row saying why, for the contact's profile; Kim's email went out as usual.
    assert OutboundMessage.objects.get(contact=bo).status == "skipped"
    assert OutboundMessage.objects.get(contact=bo).skip_reason == reason
    assert OutboundMessage.objects.get(contact=kim).status == "queued"


def test_a_contact_without_an_email_address_is_skipped_with_the_reason(mailing, now):
    journey = mailing()
    anonymous, _created = contact_upsert(external_id="u-7", now=now)
    journey_enroll(journey=journey, contact_ids=[anonymous.pk], now=now)
    executor_drain(now=now)
    step = Step.objects.get(node_id="mail")
    assert (step.outcome, step.reason) == ("skipped", "The contact has no email address.")


def test_a_switched_off_template_sends_nothing_and_says_why(mailing, person, refs, now):
    journey = mailing()
    EmailTemplate.objects.filter(pk=refs["welcome"].pk).update(is_active=False)
    journey_enroll(journey=journey, contact_ids=[person().pk], now=now)
    executor_drain(now=now)
    step = Step.objects.get(node_id="mail")
    assert (step.outcome, step.reason) == ("skipped", "The email template no longer exists or is switched off.")
    assert not OutboundMessage.objects.exists()
    assert Enrollment.objects.get().state == "completed"


def test_outside_the_send_window_a_contact_without_a_zone_waits_for_it_in_the_workspaces(
    settings, mailing, person, now
):
    settings.TIME_ZONE = "America/New_York"
    # now is Monday 2026-11-23 12:00 UTC: 07:00 in New York, before the window opens.
    journey = mailing(settings={"send_window": {"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}})
    kim = person()
    journey_enroll(journey=journey, contact_ids=[kim.pk], now=now)
    executor_drain(now=now)
    enrollment = Enrollment.objects.get()
    assert (enrollment.node_id, enrollment.due_at) == ("mail", datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    assert not Step.objects.filter(node_id="mail").exists()  # waiting is not a step
    executor_drain(now=datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    assert OutboundMessage.objects.get().created_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
