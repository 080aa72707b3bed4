from __future__ import annotations

import pytest

from contacts.models import DirtyContact, SegmentMembership, StageChange
from contacts.services.refresh import dirty_contacts_drain
from contacts.services.segments import segment_save
from journeys.models import Enrollment, Step
from journeys.nodes.update_contact import UpdateContact


def test_attributes_tags_and_stage(check):
    config, errors = check(
        "update_contact", {"set_attributes": {"onboarded": True}, "add_tags": ["vip"], "stage": "customer"}
    )
    assert errors == {}
    assert [(r.to, r.value) for r in UpdateContact.references(config)] == [("stage", "customer")]


def test_at_least_one_change(check):
    assert check("update_contact", {})[1]
    assert "remove_attributes.0" in check("update_contact", {"remove_attributes": ["not ok"]})[1]


# --- execute: through the contacts services ------------------------------------------------------


@pytest.fixture
def updating(build, publish):
    """Publish go → update_contact(config) → (then) → exit; returns the journey."""

    def make(config, *, then=None, name="Update"):
        nodes = [("t", "trigger", {"kind": "event", "event": "go"}), ("u", "update_contact", config)]
        edges = [("t", "u")]
        if then is not None:
            nodes.append(("then", then[0], then[1]))
            edges += [("u", "then"), ("then", "yes", "end"), ("then", "no", "end")]
        else:
            edges.append(("u", "end"))
        return publish(build(*nodes, ("end", "exit", {}), edges=edges), name=name)

    return make


def test_it_sets_and_removes_attributes_and_tags(updating, person, happen, run, trace, now):
    updating(
        {
            "set_attributes": {"onboarded": True, "plan": "pro"},
            "remove_attributes": ["trial"],
            "add_tags": ["vip"],
            "remove_tags": ["new"],
        }
    )
    kim = person(attributes={"plan": "free", "trial": True, "seats": 3}, tags=["new", "beta"])
    dirty_contacts_drain(now=now)
    happen(kim, "go")
    dirty_contacts_drain(now=now)  # what the event itself queued
    run()
    kim.refresh_from_db()
    assert kim.attributes == {"onboarded": True, "plan": "pro", "seats": 3}
    assert sorted(kim.tags.values_list("name", flat=True)) == ["beta", "vip"]
    assert DirtyContact.objects.filter(contact=kim).exists()  # its segments are re-evaluated next
    assert trace(Enrollment.objects.get()) == [("t", "passed", "next"), ("u", "passed", "next"), ("end", "passed", "")]


def test_a_stage_move_is_recorded_and_starts_another_journeys_stage_trigger(
    build, updating, publish, person, happen, run, now
):
    journey = updating({"stage": "customer"})
    welcome = publish(
        build(
            ("t", "trigger", {"kind": "stage_changed", "stage": "customer"}),
            ("end", "exit", {}),
            edges=[("t", "end")],
        ),
        name="New customers",
    )
    kim = person()
    happen(kim, "go")
    run()
    change = StageChange.objects.get(contact=kim)
    assert (change.to_stage.key, change.cause, change.detail, change.changed_at) == (
        "customer",
        "journey",
        f"journey:{journey.pk}",
        now,
    )
    assert Enrollment.objects.get(journey=welcome, contact=kim).state == "completed"  # in the same drain


def test_a_segment_entry_caused_by_the_update_starts_another_journey(
    build, updating, publish, person, happen, run, now
):
    onboarded = segment_save(
        name="Onboarded", rule={"type": "attribute", "field": "onboarded", "op": "eq", "value": True}, now=now
    )
    updating({"set_attributes": {"onboarded": True}})
    follow_up = publish(
        build(
            ("t", "trigger", {"kind": "segment_entered", "segment": onboarded.pk}),
            ("end", "exit", {}),
            edges=[("t", "end")],
        ),
        name="Onboarded follow-up",
    )
    kim = person()
    happen(kim, "go")
    run()
    assert not Enrollment.objects.filter(journey=follow_up).exists()
    dirty_contacts_drain(now=now)  # the task queued on commit
    assert SegmentMembership.objects.filter(segment=onboarded, contact=kim).exists()
    run()
    assert Enrollment.objects.get(journey=follow_up, contact=kim).state == "completed"


def test_the_next_step_sees_the_change(updating, person, happen, run):
    rule = {"type": "attribute", "field": "onboarded", "op": "eq", "value": True}
    updating({"set_attributes": {"onboarded": True}}, then=("condition", {"rule": rule}))
    kim = person()
    happen(kim, "go")
    run()
    assert Step.objects.get(node_id="then").output == "yes"


def test_a_change_the_contacts_service_refuses_is_skipped_with_its_reason(updating, person, happen, run):
    updating({"add_tags": ["x" * 100], "set_attributes": {"blob": "y" * 70_000}})
    kim = person()
    happen(kim, "go")
    run()
    step = Step.objects.get(node_id="u")
    assert (step.outcome, step.output) == ("skipped", "next")
    assert step.reason == "Attributes are too large (at most 64 KB)."
    kim.refresh_from_db()
    assert "blob" not in kim.attributes
    assert not kim.tags.exists()
    assert Enrollment.objects.get().state == "completed"
