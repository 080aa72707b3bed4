from __future__ import annotations

import pytest

from journeys.nodes.trigger import Trigger


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
