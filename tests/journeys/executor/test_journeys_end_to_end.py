"""Whole journeys driven by real events, with the executor run at explicit moments."""

from __future__ import annotations

from datetime import timedelta

from journeys.models import Enrollment, OutboundMessage, Step


def _sent(contact):
    return list(
        OutboundMessage.objects.filter(contact=contact).order_by("created_at", "pk").values_list("node_id", flat=True)
    )


def test_the_welcome_series_sends_the_reminder_to_someone_who_did_not_open(refs, build, publish, person, happen, run):
    reminder = refs["welcome"].__class__.objects.get(name="Getting started")
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("wait", "wait", {"mode": "duration", "amount": 2, "unit": "days"}),
        ("opened", "condition", {"rule": {"type": "event", "name": "email_opened", "within_days": 2}}),
        ("tips", "send_email", {"template": reminder.pk}),
        ("nudge", "send_email", {"template": reminder.pk}),
        ("end", "exit", {}),
        edges=[
            ("t", "mail"),
            ("mail", "wait"),
            ("wait", "opened"),
            ("opened", "yes", "tips"),
            ("opened", "no", "nudge"),
            ("tips", "end"),
            ("nudge", "end"),
        ],
    )
    journey = publish(graph)
    kim = person("kim@example.com", first_name="Kim")
    happen(kim, "signed_up")
    run()
    enrollment = Enrollment.objects.get(journey=journey, contact=kim)
    assert (enrollment.node_id, enrollment.state) == ("wait", "active")
    assert _sent(kim) == ["mail"]
    run(timedelta(days=1))
    assert _sent(kim) == ["mail"]
    run(timedelta(days=2))
    enrollment.refresh_from_db()
    assert enrollment.state == "completed"
    assert _sent(kim) == ["mail", "nudge"]
    assert list(Step.objects.filter(enrollment=enrollment).values_list("node_id", "output")) == [
        ("t", "next"),
        ("mail", "next"),
        ("wait", "next"),
        ("opened", "no"),
        ("nudge", "next"),
        ("end", ""),
    ]


def test_an_unsubscribed_contact_moves_on_without_the_email_and_the_reason_is_recorded(
    refs, build, publish, person, happen, run
):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("end", "exit", {}),
        edges=[("t", "mail"), ("mail", "end")],
    )
    publish(graph)
    ann = person("ann@example.com", email_consent="unsubscribed")
    happen(ann, "signed_up")
    run()
    step = Step.objects.get(node_id="mail")
    assert step.outcome == "skipped"
    assert "unsubscribed" in step.reason
    assert Enrollment.objects.get().state == "completed"


def test_a_contact_enters_only_once_by_default_however_often_the_trigger_fires(
    refs, build, publish, person, happen, run
):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("end", "exit", {}),
        edges=[("t", "end")],
    )
    journey = publish(graph)
    kim = person()
    happen(kim, "signed_up")
    run()
    happen(kim, "signed_up")
    run()
    assert Enrollment.objects.filter(journey=journey).count() == 1


def test_with_re_entry_after_finishing_a_second_signup_enrolls_again_once_the_first_is_done(
    refs, build, publish, person, happen, run, now
):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
        ("end", "exit", {}),
        edges=[("t", "wait"), ("wait", "end")],
    )
    journey = publish(graph, settings={"entry": {"reentry": "after_finish"}})
    kim = person()
    happen(kim, "signed_up")
    happen(kim, "signed_up", at=now + timedelta(minutes=10))
    assert Enrollment.objects.filter(journey=journey).count() == 1
    run()
    run(timedelta(hours=2))
    happen(kim, "signed_up", at=now + timedelta(hours=3))
    assert Enrollment.objects.filter(journey=journey).count() == 2


def test_an_exit_rule_takes_the_contact_out_at_once_and_records_it(refs, build, publish, person, happen, run, now):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "cart_abandoned"}),
        ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        edges=[("t", "wait"), ("wait", "mail")],
    )
    publish(graph, settings={"exit_rules": [{"kind": "event", "event": "order_completed"}]})
    kim = person()
    happen(kim, "cart_abandoned")
    run()
    happen(kim, "order_completed", {"total": 30}, at=now + timedelta(minutes=20))
    run(timedelta(minutes=20))
    enrollment = Enrollment.objects.get()
    assert enrollment.state == "exited"
    assert Step.objects.filter(enrollment=enrollment, outcome="exited").count() == 1
    run(timedelta(hours=2))
    assert not OutboundMessage.objects.exists()


def test_a_wait_for_an_event_resumes_when_it_arrives_and_times_out_otherwise(
    refs, build, publish, person, happen, run, now
):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "trial_started"}),
        ("w", "wait", {"mode": "event", "event": "activated", "timeout_amount": 1, "timeout_unit": "days"}),
        ("yes", "exit", {"reason": "goal"}),
        ("no", "exit", {}),
        edges=[("t", "w"), ("w", "event", "yes"), ("w", "timeout", "no")],
    )
    publish(graph)
    kim, bo = person("kim@example.com"), person("bo@example.com")
    happen(kim, "trial_started")
    happen(bo, "trial_started")
    run()
    happen(kim, "activated", at=now + timedelta(hours=3))
    assert Enrollment.objects.get(contact=kim).due_at is not None
    run(timedelta(hours=3))
    assert Enrollment.objects.get(contact=kim).exit_reason == "goal"
    assert Enrollment.objects.get(contact=bo).state == "active"
    run(timedelta(days=1))
    assert Enrollment.objects.get(contact=bo).exit_reason == "end"
    assert Step.objects.get(enrollment__contact=bo, node_id="w").output == "timeout"


def test_a_goal_event_counts_a_conversion_for_the_last_email_step(refs, build, publish, person, happen, run, now):
    from journeys.models import Conversion, OutboundMessage

    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("end", "exit", {}),
        edges=[("t", "mail"), ("mail", "end")],
    )
    journey = publish(graph, settings={"goal": {"event": "order_completed", "within_days": 7}})
    kim = person()
    happen(kim, "signed_up")
    run()
    OutboundMessage.objects.update(status="sent")
    happen(kim, "order_completed", at=now + timedelta(days=2))
    conversion = Conversion.objects.get()
    assert (conversion.journey, conversion.email_node_id) == (journey, "mail")


def test_pausing_freezes_progress(refs, build, publish, person, happen, run):
    from journeys.services import journey_set_status

    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
        ("end", "exit", {}),
        edges=[("t", "wait"), ("wait", "end")],
    )
    journey = publish(graph)
    happen(person(), "signed_up")
    run()
    journey_set_status(journey=journey, action="pause")
    run(timedelta(hours=2))
    assert Enrollment.objects.get().node_id == "wait"
    journey_set_status(journey=journey, action="resume")
    run(timedelta(hours=2))
    assert Enrollment.objects.get().state == "completed"
