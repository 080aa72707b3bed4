from __future__ import annotations

from journeys.nodes.wait import Wait


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
