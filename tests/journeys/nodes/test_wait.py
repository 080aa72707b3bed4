from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from journeys.executor import enrollments_claim, executor_drain
from journeys.models import Enrollment, Nudge, Step
from journeys.nodes.wait import Wait
from journeys.services import journey_set_status


def test_a_duration_in_any_unit_up_to_a_year(check):
    assert check("wait", {"amount": 90, "unit": "seconds"})[0]["unit"] == "seconds"
    assert "amount" in check("wait", {"amount": 53, "unit": "weeks"})[1]


def test_until_a_time_of_day_on_weekdays(check):
    config, errors = check("wait", {"mode": "until_time", "time": "09:30", "weekdays": ["4", 0, 2]})
    assert errors == {}
    assert (config["time"], config["weekdays"]) == ("09:30", [0, 2, 4])


def test_until_a_date_needs_the_attribute(check):
    assert "date_attribute" in check("wait", {"mode": "until_date"})[1]


def test_waiting_for_an_event_has_two_outputs(check):
    config, errors = check(
        "wait", {"mode": "event", "event": "order_completed", "timeout_amount": 1, "timeout_unit": "hours"}
    )
    assert errors == {}
    assert [o.key for o in Wait.outputs_for(config)] == ["event", "timeout"]
    assert [o.key for o in Wait.outputs_for({"mode": "duration"})] == ["next"]
    assert "event" in check("wait", {"mode": "event"})[1]


def test_a_zero_wait_is_allowed_with_a_warning(check):
    config, _ = check("wait", {"amount": 0, "unit": "minutes"})
    assert Wait.warnings(config)
    assert Wait.pauses


# --- execute: how long contacts wait, in their time zone ------------------------------------------

BERLIN_SATURDAY_9 = datetime(2026, 10, 24, 7, 0, tzinfo=UTC)  # 09:00 summer time; clocks go back on Sunday


@pytest.fixture
def waiting(build, publish, happen):
    """``waiting(config, contact, at=…)``: publish go → wait(config) → exit, let the contact reach
    the wait at ``at`` and return their enrollment."""
    journeys = {}

    def reach(config, contact, *, at):
        key = repr(sorted(config.items()))
        if key not in journeys:
            graph = build(
                ("t", "trigger", {"kind": "event", "event": "go"}),
                ("w", "wait", config),
                ("end", "exit", {}),
                edges=[("t", "w"), ("w", "end")],
            )
            journeys[key] = publish(graph, name=f"Wait {len(journeys)}")
        happen(contact, "go", at=at)
        executor_drain(now=at)
        return Enrollment.objects.get(journey=journeys[key], contact=contact)

    return reach


def test_a_wait_in_hours_is_counted_from_when_the_contact_reached_it(waiting, person, trace, now):
    enrollment = waiting({"amount": 3, "unit": "hours"}, person(), at=now)
    assert (enrollment.node_id, enrollment.due_at) == ("w", now + timedelta(hours=3))
    executor_drain(now=now + timedelta(hours=2, minutes=59))
    enrollment.refresh_from_db()
    assert enrollment.node_id == "w"
    executor_drain(now=now + timedelta(hours=3))
    enrollment.refresh_from_db()
    assert enrollment.state == "completed"
    assert trace(enrollment) == [("t", "passed", "next"), ("w", "passed", "next"), ("end", "passed", "")]


def test_days_are_calendar_days_in_the_contacts_zone_so_nine_stays_nine_across_dst(waiting, person):
    two_days = {"amount": 2, "unit": "days"}
    berlin = waiting(two_days, person("b@example.com", timezone="Europe/Berlin"), at=BERLIN_SATURDAY_9)
    utc = waiting(two_days, person("u@example.com", timezone="UTC"), at=BERLIN_SATURDAY_9)
    assert berlin.due_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # Monday 09:00 winter time: 49 hours
    assert utc.due_at == BERLIN_SATURDAY_9 + timedelta(hours=48)


def test_until_a_time_of_day_is_that_time_in_each_contacts_zone(waiting, person, now):
    nine = {"mode": "until_time", "time": "09:00"}
    # now is Monday 2026-11-23 12:00 UTC: 21:00 in Tokyo, 07:00 in New York.
    tokyo = waiting(nine, person("t@example.com", timezone="Asia/Tokyo"), at=now)
    new_york = waiting(nine, person("n@example.com", timezone="America/New_York"), at=now)
    workspace = waiting(nine, person("w@example.com"), at=now)  # no zone: the workspace's (UTC)
    assert tokyo.due_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert new_york.due_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert workspace.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_until_a_weekday_and_time_waits_for_the_next_such_day(waiting, person, now):
    friday_ten = {"mode": "until_time", "time": "10:00", "weekdays": [4]}
    enrollment = waiting(friday_ten, person(timezone="America/New_York"), at=now)
    assert enrollment.due_at == datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # Friday 10:00 EST
    executor_drain(now=enrollment.due_at)
    enrollment.refresh_from_db()
    assert enrollment.state == "completed"


def test_until_a_time_of_day_takes_the_dst_change_into_account(waiting, person):
    nine = {"mode": "until_time", "time": "09:00"}
    sunday_night = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 summer time on the day clocks go back
    enrollment = waiting(nine, person(timezone="Europe/Berlin"), at=sunday_night)
    assert enrollment.due_at == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 winter time


def test_a_time_the_clocks_skip_comes_when_they_have_moved_on(waiting, person):
    half_past_two = {"mode": "until_time", "time": "02:30"}
    # On 2027-03-28 Berlin's clocks jump from 02:00 to 03:00: 02:30 is 03:30 summer time that day.
    enrollment = waiting(half_past_two, person(timezone="Europe/Berlin"), at=datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert enrollment.due_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_until_a_date_attribute_waits_for_the_date_plus_the_offset_in_the_contacts_zone(waiting, person, now):
    before = {"mode": "until_date", "date_attribute": "trial_ends_at", "offset_days": -3, "time": "10:00"}
    kim = person(timezone="Europe/Berlin", attributes={"trial_ends_at": "2026-11-30"})
    assert waiting(before, kim, at=now).due_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 10:00 CET
    after = {"mode": "until_date", "date_attribute": "renews_at", "offset_days": 1}
    bo = person("bo@example.com", timezone="Europe/Berlin", attributes={"renews_at": "2026-11-25T15:00:00+00:00"})
    assert waiting(after, bo, at=now).due_at == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # a moment keeps its time


def test_a_date_in_the_past_or_missing_does_not_hold_the_contact(waiting, person, now):
    until = {"mode": "until_date", "date_attribute": "trial_ends_at"}
    late = waiting(until, person("late@example.com", attributes={"trial_ends_at": "2026-01-01"}), at=now)
    assert late.state == "completed"
    missing = waiting(until, person("none@example.com", attributes={}), at=now)
    assert missing.state == "completed"
    step = Step.objects.get(enrollment=missing, node_id="w")
    assert (step.outcome, step.output) == ("skipped", "next")
    assert step.reason == "The contact has no date in trial_ends_at; not waiting."


def test_a_wait_of_zero_passes_at_once(waiting, person, trace, now):
    enrollment = waiting({"amount": 0, "unit": "days"}, person(), at=now)
    assert (enrollment.state, enrollment.finished_at) == ("completed", now)
    assert trace(enrollment) == [("t", "passed", "next"), ("w", "passed", "next"), ("end", "passed", "")]


def test_a_paused_journey_holds_its_contacts_and_resuming_lets_them_go_on(waiting, person, trace, now):
    # The end-to-end version is test_pausing_freezes_progress (tests/journeys/executor).
    enrollment = waiting({"amount": 1, "unit": "hours"}, person(), at=now)
    journey_set_status(journey=enrollment.journey, action="pause")
    with transaction.atomic():
        assert enrollments_claim(now=now + timedelta(days=1)) == []
    assert executor_drain(now=now + timedelta(days=1)).enrollments == 0
    assert [node for node, *_ in trace(enrollment)] == ["t"]
    journey_set_status(journey=enrollment.journey, action="resume")
    executor_drain(now=now + timedelta(days=2))
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.finished_at) == ("completed", now + timedelta(days=2))
    assert Step.objects.get(enrollment=enrollment, node_id="w").at == now + timedelta(days=2)


# --- execute: waiting for an event ---------------------------------------------------------------


@pytest.fixture
def awaiting(build, publish):
    """Publish trial_started → wait up to a day for ``activated`` (with ``where``) → goal / end."""

    def make(where=()):
        config = {"mode": "event", "event": "activated", "timeout_amount": 1, "timeout_unit": "days"}
        graph = build(
            ("t", "trigger", {"kind": "event", "event": "trial_started"}),
            ("w", "wait", {**config, "where": list(where)}),
            ("yes", "exit", {"reason": "goal"}),
            ("no", "exit", {}),
            edges=[("t", "w"), ("w", "event", "yes"), ("w", "timeout", "no")],
        )
        return publish(graph)

    return make


def test_the_awaited_event_wakes_the_contact_at_once_and_they_leave_by_event(awaiting, person, happen, run, trace, now):
    awaiting()
    kim = person()
    happen(kim, "trial_started")
    run()
    enrollment = Enrollment.objects.get(contact=kim)
    assert (enrollment.node_id, enrollment.due_at) == ("w", now + timedelta(days=1))
    three_hours_in = now + timedelta(hours=3)
    result = happen(kim, "activated", at=three_hours_in)
    nudge = Nudge.objects.get()
    assert (nudge.enrollment_id, nudge.kind, nudge.node_id) == (enrollment.pk, "wake", "w")
    executor_drain(now=three_hours_in)  # the drain queued on commit, long before the timeout
    enrollment.refresh_from_db()
    assert (enrollment.state, enrollment.exit_reason, enrollment.finished_at) == ("completed", "goal", three_hours_in)
    assert trace(enrollment) == [("t", "passed", "next"), ("w", "passed", "event"), ("yes", "passed", "")]
    assert Step.objects.get(enrollment=enrollment, node_id="w").detail == {"event": result.event_id}
    assert not Nudge.objects.exists()


def test_without_the_event_the_contact_leaves_by_timeout_when_the_time_is_up(awaiting, person, happen, run, trace):
    awaiting()
    kim = person()
    happen(kim, "trial_started")
    run()
    run(timedelta(days=1) - timedelta(seconds=1))
    enrollment = Enrollment.objects.get(contact=kim)
    assert enrollment.node_id == "w"
    run(timedelta(days=1))
    enrollment.refresh_from_db()
    assert enrollment.exit_reason == "end"
    assert trace(enrollment)[1:] == [("w", "passed", "timeout"), ("no", "passed", "")]


def test_only_an_awaited_event_whose_properties_match_wakes_the_contact(awaiting, person, happen, run, now):
    awaiting(where=[{"property": "plan", "op": "eq", "value": "pro"}])
    kim = person()
    happen(kim, "trial_started")
    run()
    happen(kim, "activated", {"plan": "free"}, at=now + timedelta(hours=1))
    assert not Nudge.objects.exists()
    run(timedelta(hours=1))
    assert Enrollment.objects.get(contact=kim).node_id == "w"
    pro = happen(kim, "activated", {"plan": "pro"}, at=now + timedelta(hours=2))
    assert Nudge.objects.count() == 1
    run(timedelta(hours=2))
    step = Step.objects.get(enrollment__contact=kim, node_id="w")
    assert (step.output, step.detail, step.at) == ("event", {"event": pro.event_id}, now + timedelta(hours=2))


def test_an_event_from_before_the_contact_reached_the_wait_does_not_count(awaiting, person, happen, run, now):
    awaiting()
    kim = person()
    happen(kim, "activated", at=now - timedelta(hours=1))
    happen(kim, "trial_started")
    run()
    assert Enrollment.objects.get(contact=kim).node_id == "w"
    run(timedelta(days=1))
    assert Step.objects.get(enrollment__contact=kim, node_id="w").output == "timeout"


def test_an_event_that_comes_before_the_executor_moves_the_contact_onto_the_wait_still_counts(
    awaiting, person, happen, run, trace, now
):
    """The cart-abandonment case: the purchase a few seconds after the abandonment, both in
    before the executor got round to the contact. The wait began when the contact was due."""
    awaiting()
    kim = person()
    happen(kim, "trial_started")
    happen(kim, "activated", at=now + timedelta(seconds=5))
    run(timedelta(seconds=30))  # the executor is late
    enrollment = Enrollment.objects.get(contact=kim)
    assert trace(enrollment) == [("t", "passed", "next"), ("w", "passed", "event"), ("yes", "passed", "")]
    assert enrollment.exit_reason == "goal"


def test_a_loop_whose_only_wait_is_zero_is_refused_like_a_loop_without_a_wait(build, publish):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "go"}),
        ("w", "wait", {"amount": 0, "unit": "minutes"}),
        ("c", "condition", {"rule": {"type": "tag", "op": "has", "value": "done"}}),
        ("end", "exit", {}),
        edges=[("t", "w"), ("w", "c"), ("c", "yes", "end"), ("c", "no", "w")],
    )
    with pytest.raises(ValidationError):
        publish(graph)
