from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.services.contacts import contact_update
from journeys.entries import journey_enroll
from journeys.executor import executor_drain
from journeys.models import Enrollment, Step
from journeys.nodes.condition import Condition


def test_the_rule_is_the_segment_rule_language(check):
    _config, errors = check(
        "condition",
        {
            "rule": {
                "type": "event",
                "name": "form_submitted",
                "where": [{"property": "budget", "op": "lt", "value": 5000}],
            }
        },
    )
    assert errors == {}
    assert [o.key for o in Condition.outputs] == ["yes", "no"]


def test_rule_errors_name_the_path_inside_the_rule(check):
    _config, errors = check("condition", {"rule": {"all": [{"type": "stage", "op": "in", "value": ["nope"]}]}})
    assert "all.0.value" in errors["rule"][0]


def test_segments_used_in_the_rule_are_references():
    refs = Condition.references(
        {"rule": {"any": [{"type": "segment", "op": "in", "value": 4}, {"type": "tag", "op": "has", "value": "x"}]}}
    )
    assert [(r.to, r.value) for r in refs] == [("segment", 4)]


# --- execute: one query for the whole batch --------------------------------------------------------


@pytest.fixture
def deciding(build, publish):
    """Publish manual entry → (wait) → condition(rule) → yes / no exits; returns the journey."""

    def make(rule, *, wait_days=0):
        nodes = [("t", "trigger", {"kind": "manual"}), ("c", "condition", {"rule": rule})]
        edges = [("c", "yes", "yes"), ("c", "no", "no")]
        if wait_days:
            nodes.append(("w", "wait", {"amount": wait_days, "unit": "days"}))
            edges += [("t", "w"), ("w", "c")]
        else:
            edges.append(("t", "c"))
        return publish(build(*nodes, ("yes", "exit", {}), ("no", "exit", {}), edges=edges))

    return make


def _outputs(journey):
    return dict(Step.objects.filter(journey=journey, node_id="c").values_list("enrollment__contact_id", "output"))


def test_a_batch_of_contacts_is_split_by_their_event_history(deciding, person, happen, now):
    journey = deciding({"type": "event", "name": "order_completed", "within_days": 30})
    people = [person(f"p{n}@example.com") for n in range(6)]
    buyers = people[::2]
    for contact in buyers:
        happen(contact, "order_completed", {"total": 30}, at=now - timedelta(days=5))
    journey_enroll(journey=journey, contact_ids=[p.pk for p in people], now=now)
    report = executor_drain(now=now)
    assert (report.batches, report.enrollments) == (1, 6)
    buyer_ids = {c.pk for c in buyers}
    assert _outputs(journey) == {p.pk: "yes" if p.pk in buyer_ids else "no" for p in people}
    assert set(Enrollment.objects.filter(journey=journey).values_list("state", flat=True)) == {"completed"}


def test_the_number_of_queries_does_not_grow_with_the_batch(deciding, person, happen, now):
    journey = deciding({"type": "event", "name": "order_completed", "within_days": 30})
    queries = []
    for size, start in ((2, 0), (12, 2)):
        people = [person(f"p{n}@example.com") for n in range(start, start + size)]
        for contact in people[::2]:
            happen(contact, "order_completed", at=now - timedelta(days=1))
        journey_enroll(journey=journey, contact_ids=[p.pk for p in people], now=now)
        with CaptureQueriesContext(connection) as captured:
            executor_drain(now=now)
        queries.append(len(captured))
    assert queries[0] == queries[1]
    assert list(_outputs(journey).values()).count("yes") == 7


def test_attributes_and_tags_are_checked_as_they_are_when_the_contact_arrives(deciding, person, now):
    rule = {
        "all": [
            {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"},
            {"type": "tag", "op": "has", "value": "vip"},
        ]
    }
    journey = deciding(rule, wait_days=1)
    both = person("both@example.com", attributes={"plan": "pro"}, tags=["vip"])
    plan_only = person("plan@example.com", attributes={"plan": "pro"})
    later = person("later@example.com", attributes={"plan": "free"}, tags=["vip"])
    journey_enroll(journey=journey, contact_ids=[both.pk, plan_only.pk, later.pk], now=now)
    executor_drain(now=now)
    contact_update(contact=later, data={"attributes": {"plan": "pro"}}, now=now + timedelta(hours=1))  # while waiting
    executor_drain(now=now + timedelta(days=1))
    assert _outputs(journey) == {both.pk: "yes", plan_only.pk: "no", later.pk: "yes"}


def test_a_time_window_counts_back_from_when_the_contact_reaches_the_step(deciding, person, happen, now):
    journey = deciding({"type": "event", "name": "email_clicked", "within_days": 7}, wait_days=3)
    kim = person()
    happen(kim, "email_clicked", at=now - timedelta(days=5))  # 5 days ago now, 8 days ago at the step
    journey_enroll(journey=journey, contact_ids=[kim.pk], now=now)
    executor_drain(now=now)
    executor_drain(now=now + timedelta(days=3))
    assert _outputs(journey) == {kim.pk: "no"}


# The rule language has no leaf for the trigger's data (docs/segments.md): a condition on what
# started the journey is written as an event rule on that event.
