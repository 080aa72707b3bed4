"""Send windows in the contact's time zone, the frequency cap, and sticky splits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from journeys.models import Enrollment, OutboundMessage, Step
from journeys.nodes.send_email import window_opens
from journeys.nodes.split import branch_of

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_17 = {"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}


def test_a_send_outside_the_window_waits_for_it_to_open_across_the_dst_change():
    # Saturday 2026-10-24 22:00 UTC; clocks go back on Sunday 25 October in Berlin.
    saturday_night = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    opens = window_opens(saturday_night, WEEKDAYS_9_TO_17, BERLIN)
    assert opens.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 26, 9, 0)
    assert opens == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # winter time: UTC+1


def test_inside_the_window_it_sends_at_once():
    tuesday_noon = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert window_opens(tuesday_noon, WEEKDAYS_9_TO_17, BERLIN) == tuesday_noon


def test_the_step_waits_for_the_window_in_the_contacts_time_zone(refs, build, publish, person, happen, run, now):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        edges=[("t", "mail")],
    )
    # now is Monday 2026-11-23 12:00 UTC: 21:00 in Tokyo, outside 09:00-17:00.
    publish(graph, settings={"send_window": WEEKDAYS_9_TO_17})
    tokyo = person("kenji@example.com", timezone="Asia/Tokyo")
    happen(tokyo, "signed_up")
    run()
    enrollment = Enrollment.objects.get()
    assert enrollment.node_id == "mail"
    assert enrollment.due_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # Tuesday 09:00 in Tokyo
    assert not OutboundMessage.objects.exists()
    run(timedelta(hours=12))
    assert OutboundMessage.objects.count() == 1


def test_the_frequency_cap_defers_a_send_instead_of_dropping_it(
    settings, refs, build, publish, person, happen, run, now
):
    settings.EMAIL_CAP_PER_CONTACT, settings.EMAIL_CAP_DAYS = 1, 7
    first = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        edges=[("t", "mail")],
    )
    second = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        edges=[("t", "mail")],
    )
    publish(first, name="First", settings={"priority": 9})
    publish(second, name="Second", settings={"priority": 1})
    happen(person(), "signed_up")
    run()
    assert OutboundMessage.objects.count() == 1
    assert OutboundMessage.objects.get().journey.name == "First"
    waiting = Enrollment.objects.get(journey__name="Second")
    assert (waiting.node_id, waiting.due_at) == ("mail", now + timedelta(days=7))
    run(timedelta(days=7))
    assert OutboundMessage.objects.count() == 2


def test_skip_if_capped_moves_on_with_the_reason(settings, refs, build, publish, person, happen, run):
    settings.EMAIL_CAP_PER_CONTACT = 1
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("a", "send_email", {"template": refs["welcome"].pk}),
        ("b", "send_email", {"template": refs["welcome"].pk, "skip_if_capped": True}),
        ("end", "exit", {}),
        edges=[("t", "a"), ("a", "b"), ("b", "end")],
    )
    publish(graph)
    happen(person(), "signed_up")
    run()
    step = Step.objects.get(node_id="b")
    assert (step.outcome, "frequency cap" in step.reason) == ("skipped", True)
    assert Enrollment.objects.get().state == "completed"


def test_a_split_sends_each_contact_the_same_way_every_time_and_keeps_the_shares():
    branches = [{"key": "a", "percent": 20}, {"key": "b", "percent": 80}]
    picks = [branch_of(branches, contact_id, 7, "split") for contact_id in range(10_000)]
    assert picks == [branch_of(branches, contact_id, 7, "split") for contact_id in range(10_000)]
    assert 1800 < picks.count("a") < 2200
