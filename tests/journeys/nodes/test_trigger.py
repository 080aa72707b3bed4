from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts.models import Event
from contacts.services.contacts import contact_update
from contacts.services.events import event_record
from contacts.services.refresh import dirty_contacts_drain
from contacts.services.segments import segment_save
from journeys.entries import date_triggers_scan, journeys_on_events
from journeys.executor import executor_drain
from journeys.models import Enrollment, Step
from journeys.nodes.trigger import Trigger
from journeys.services import journey_set_status


def test_an_event_trigger_with_property_filters(check):
    config, errors = check(
        "trigger",
        {"kind": "event", "event": "form_submitted", "where": [{"property": "budget", "op": "lt", "value": 5000}]},
    )
    assert errors == {}
    assert config["where"] == [{"property": "budget", "op": "lt", "value": 5000}]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"kind": "event"}, "event"),
        ({"kind": "segment_entered"}, "segment"),
        ({"kind": "stage_changed"}, "stage"),
        ({"kind": "date"}, "date_attribute"),
        ({"kind": "someday"}, "kind"),
        ({"kind": "date", "date_attribute": "trial_ends_at", "offset_days": 900}, "offset_days"),
    ],
)
def test_each_kind_needs_its_field(check, config, field):
    assert field in check("trigger", config)[1]


def test_a_date_trigger_defaults_to_once_at_nine(check):
    config, _ = check("trigger", {"kind": "date", "date_attribute": "birthday", "repeat": "yearly"})
    assert (config["repeat"], config["time_of_day"], config["offset_days"]) == ("yearly", "09:00", 0)


def test_it_starts_journeys_and_names_its_references():
    assert Trigger.is_trigger
    assert [r.to for r in Trigger.references({"kind": "segment_exited", "segment": 3})] == ["segment"]
    assert [r.to for r in Trigger.references({"kind": "stage_changed", "stage": "advocate"})] == ["stage"]


# --- execute: who enters, run through the real executor -----------------------------------------


def _to_exit(build, trigger, *, wait_hours=0):
    """trigger → (a wait of ``wait_hours``) → exit: a journey a contact is in until it finishes."""
    if not wait_hours:
        return build(("t", "trigger", trigger), ("end", "exit", {}), edges=[("t", "end")])
    return build(
        ("t", "trigger", trigger),
        ("w", "wait", {"mode": "duration", "amount": wait_hours, "unit": "hours"}),
        ("end", "exit", {}),
        edges=[("t", "w"), ("w", "end")],
    )


def test_an_event_enrolls_the_contact_and_the_trigger_step_is_logged(build, publish, person, happen, run, now):
    journey = publish(_to_exit(build, {"kind": "event", "event": "signed_up"}))
    kim = person()
    happen(kim, "signed_up", {"plan": "pro"})
    enrollment = Enrollment.objects.get(journey=journey, contact=kim)
    assert (enrollment.node_id, enrollment.due_at, enrollment.entered_at) == ("t", now, now)
    assert enrollment.trigger_data["event"] == "signed_up"
    assert enrollment.trigger_data["properties"] == {"plan": "pro"}
    run()
    step = Step.objects.get(enrollment=enrollment, node_id="t")
    assert (step.node_type, step.outcome, step.output, step.reason, step.seq) == ("trigger", "passed", "next", "", 1)


def test_property_filters_let_only_matching_events_in(build, publish, person, happen):
    trigger = {
        "kind": "event",
        "event": "form_submitted",
        "where": [{"property": "budget", "op": "gte", "value": 5000}],
    }
    journey = publish(_to_exit(build, trigger))
    small, big, text, none = person("s@example.com"), person("b@example.com"), person("t@example.com"), person()
    happen(small, "form_submitted", {"budget": 3000})
    happen(big, "form_submitted", {"budget": 9000})
    happen(text, "form_submitted", {"budget": "5000"})  # numbers sent as text compare as numbers
    happen(none, "form_submitted", {})
    happen(small, "signed_up", {"budget": 9000})  # another event
    entered = set(Enrollment.objects.filter(journey=journey).values_list("contact_id", flat=True))
    assert entered == {big.pk, text.pk}


def test_entering_and_leaving_a_segment_enroll_in_their_journeys(build, publish, person, run, now):
    pros = segment_save(
        name="Pro plan", rule={"type": "attribute", "field": "plan", "op": "eq", "value": "pro"}, now=now
    )
    entered = publish(_to_exit(build, {"kind": "segment_entered", "segment": pros.pk}), name="Entered")
    left = publish(_to_exit(build, {"kind": "segment_exited", "segment": pros.pk}), name="Left")
    kim = person()
    contact_update(contact=kim, data={"attributes": {"plan": "pro"}}, now=now)
    dirty_contacts_drain(now=now)
    enrollment = Enrollment.objects.get(journey=entered, contact=kim)
    assert enrollment.trigger_data == {"kind": "segment_entered", "segment_id": pros.pk}
    assert not Enrollment.objects.filter(journey=left).exists()
    later = now + timedelta(days=1)
    contact_update(contact=kim, data={"attributes": {"plan": "free"}}, now=later)
    dirty_contacts_drain(now=later)
    assert Enrollment.objects.get(journey=left, contact=kim).entered_at == later
    run(timedelta(days=1))
    assert set(Enrollment.objects.values_list("state", flat=True)) == {"completed"}


def test_reaching_a_lifecycle_stage_enrolls_and_other_stages_do_not(build, publish, person, now):
    journey = publish(_to_exit(build, {"kind": "stage_changed", "stage": "qualified"}))
    kim, bo = person("kim@example.com"), person("bo@example.com")
    contact_update(contact=kim, data={"stage": "qualified"}, now=now)
    contact_update(contact=bo, data={"stage": "lead"}, now=now)
    (enrollment,) = Enrollment.objects.filter(journey=journey)
    assert enrollment.contact_id == kim.pk
    assert enrollment.trigger_data == {"kind": "stage_changed", "stage": "qualified"}
    assert enrollment.trigger_key == f"contact:{kim.pk}"  # once per contact by default


def test_a_date_trigger_enrolls_days_before_the_date_at_the_time_in_the_contacts_zone_and_only_once(
    build, publish, person
):
    trigger = {"kind": "date", "date_attribute": "trial_ends_at", "offset_days": -3, "time_of_day": "09:00"}
    journey = publish(_to_exit(build, trigger), settings={"entry": {"reentry": "after_finish"}})
    kim = person(timezone="America/New_York", attributes={"trial_ends_at": "2026-11-30"})
    person("bo@example.com", attributes={"trial_ends_at": "2027-03-01"})  # not yet
    person("cy@example.com", attributes={"plan": "pro"})  # no date at all
    nine_in_new_york = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 09:00 EST, three days before
    assert date_triggers_scan(now=nine_in_new_york - timedelta(minutes=1)) == 0
    assert date_triggers_scan(now=nine_in_new_york) == 1
    assert date_triggers_scan(now=nine_in_new_york + timedelta(minutes=5)) == 0  # the next scan
    executor_drain(now=nine_in_new_york)
    assert date_triggers_scan(now=nine_in_new_york + timedelta(minutes=10)) == 0  # finished, same date
    enrollment = Enrollment.objects.get(journey=journey)
    assert enrollment.contact_id == kim.pk
    assert enrollment.trigger_data == {"kind": "date", "date_attribute": "trial_ends_at", "date": "2026-11-27"}


def test_a_yearly_birthday_enrolls_every_year_at_the_time_in_the_contacts_zone(build, publish, person):
    trigger = {"kind": "date", "date_attribute": "birthday", "repeat": "yearly", "time_of_day": "08:00"}
    journey = publish(_to_exit(build, trigger), settings={"entry": {"reentry": "after_finish"}})
    ann = person("ann@example.com", timezone="Europe/Berlin", attributes={"birthday": "1990-06-15"})
    for year in (2027, 2028):
        morning = datetime(year, 6, 15, 6, 0, tzinfo=UTC)  # 08:00 summer time in Berlin
        assert date_triggers_scan(now=morning - timedelta(seconds=1)) == 0
        assert date_triggers_scan(now=morning) == 1
        assert date_triggers_scan(now=morning + timedelta(hours=1)) == 0
        executor_drain(now=morning)
    keys = Enrollment.objects.filter(journey=journey, contact=ann).values_list("trigger_key", flat=True)
    assert sorted(keys) == [f"date:t:{ann.pk}:2027-06-15", f"date:t:{ann.pk}:2028-06-15"]


def test_a_birthday_on_29_february_comes_on_the_28th_in_other_years(build, publish, person):
    trigger = {"kind": "date", "date_attribute": "birthday", "repeat": "yearly", "time_of_day": "08:00"}
    journey = publish(_to_exit(build, trigger), settings={"entry": {"reentry": "after_finish"}})
    person("leap@example.com", timezone="Europe/Berlin", attributes={"birthday": "2000-02-29"})
    assert date_triggers_scan(now=datetime(2027, 2, 28, 7, 0, tzinfo=UTC)) == 1  # 08:00 winter time
    executor_drain(now=datetime(2027, 2, 28, 7, 0, tzinfo=UTC))
    assert date_triggers_scan(now=datetime(2028, 2, 28, 7, 0, tzinfo=UTC)) == 0  # a leap year: the 29th
    assert date_triggers_scan(now=datetime(2028, 2, 29, 7, 0, tzinfo=UTC)) == 1
    dates = Enrollment.objects.filter(journey=journey).values_list("trigger_data", flat=True)
    assert sorted(data["date"] for data in dates) == ["2027-02-28", "2028-02-29"]


# Re-entry "never" and "after finishing" are in tests/journeys/executor/test_journeys_end_to_end.py
# (test_a_contact_enters_only_once_by_default…, test_with_re_entry_after_finishing…).


def test_with_re_entry_after_some_days_a_contact_enters_again_only_when_the_days_have_passed(
    build, publish, person, happen, run, now
):
    journey = publish(
        _to_exit(build, {"kind": "event", "event": "visited"}), settings={"entry": {"reentry": "after_days", "days": 7}}
    )
    kim = person()
    happen(kim, "visited")
    run()
    happen(kim, "visited", at=now + timedelta(days=6, hours=23))  # finished, but too soon
    assert Enrollment.objects.filter(journey=journey).count() == 1
    happen(kim, "visited", at=now + timedelta(days=7))
    assert Enrollment.objects.filter(journey=journey).count() == 2


def test_with_re_entry_after_some_days_a_contact_still_in_does_not_enter_again(
    build, publish, person, happen, run, now
):
    journey = publish(
        _to_exit(build, {"kind": "event", "event": "visited"}, wait_hours=24 * 30),
        settings={"entry": {"reentry": "after_days", "days": 7}},
    )
    kim = person()
    happen(kim, "visited")
    run()
    happen(kim, "visited", at=now + timedelta(days=8))
    assert Enrollment.objects.filter(journey=journey).count() == 1


def test_concurrent_entries_are_limited_and_free_their_place_when_they_finish(build, publish, person, happen, run, now):
    journey = publish(
        _to_exit(build, {"kind": "event", "event": "order_completed"}, wait_hours=1),
        settings={"entry": {"reentry": "concurrent", "limit": 2}},
    )
    kim = person()
    active = Enrollment.objects.filter(journey=journey, state="active")
    for minute in range(3):
        happen(kim, "order_completed", {"n": minute}, at=now + timedelta(minutes=minute))
        run(timedelta(minutes=minute))
    assert sorted(active.values_list("slot", "trigger_data__properties__n")) == [(1, 0), (2, 1)]
    run(timedelta(hours=1))  # the first one finishes; the second waits another minute
    happen(kim, "order_completed", {"n": 3}, at=now + timedelta(hours=1))
    assert sorted(active.values_list("slot", "trigger_data__properties__n")) == [(1, 3), (2, 1)]


def test_one_occurrence_enrolls_at_most_once_however_often_it_is_announced(build, publish, person, happen, now):
    journey = publish(
        _to_exit(build, {"kind": "event", "event": "order_completed"}, wait_hours=1),
        settings={"entry": {"reentry": "concurrent", "limit": 5}},
    )
    kim = person()
    happen(kim, "order_completed", {"order": "A-1"})
    event = Event.objects.get(name="order_completed")
    journeys_on_events([event], now=now)  # a receiver run twice, a replayed announcement
    journeys_on_events([event, event], now=now + timedelta(minutes=1))
    event_record(name="order_completed", contact=kim, idempotency_key="A-2", now=now)
    event_record(name="order_completed", contact=kim, idempotency_key="A-2", now=now)  # a retried request
    keys = Enrollment.objects.filter(journey=journey).values_list("trigger_key", flat=True)
    assert len(keys) == 2
    assert f"event:{event.pk}" in keys


def test_a_paused_journey_takes_nobody_in(build, publish, person, happen):
    journey = publish(_to_exit(build, {"kind": "event", "event": "signed_up"}))
    journey_set_status(journey=journey, action="pause")
    happen(person(), "signed_up")
    assert not Enrollment.objects.exists()


def test_a_long_request_key_still_enrolls_every_contact_once(build, publish, person, now):
    from journeys.entries import journey_enroll

    graph = build(("t", "trigger", {"kind": "manual"}), ("end", "exit", {}), edges=[("t", "end")])
    # Several at once: only the request key tells a retry from a new request.
    journey = publish(graph, settings={"entry": {"reentry": "concurrent", "limit": 3}})
    contacts = [person(f"p{n}@example.com").pk for n in range(3)]
    key = "import-" + "x" * 300  # stored keys are at most 200 characters

    assert journey_enroll(journey=journey, contact_ids=contacts, key=key, now=now).entered == 3
    again = journey_enroll(journey=journey, contact_ids=contacts, key=key, now=now)
    assert (again.entered, again.refused) == (0, {"duplicate": 3})
    assert Enrollment.objects.filter(journey=journey).count() == 3
