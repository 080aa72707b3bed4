from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.models import AudienceMember
from contacts.services.audiences import audience_sync
from journeys.models import Enrollment, Step
from journeys.nodes.add_to_audience import AddToAudience


def test_it_names_an_audience(check):
    assert "audience" in check("add_to_audience", {})[1]
    assert check("add_to_audience", {"audience": 2})[1] == {}
    assert [(r.to, r.value) for r in AddToAudience.references({"audience": 2})] == [("audience", 2)]


# --- execute: membership rows the provider sync sends ---------------------------------------------


@pytest.fixture
def adding(build, publish, refs):
    """Publish visited → add to the win-back audience → exit (contacts may pass again)."""
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "visited"}),
        ("add", "add_to_audience", {"audience": refs["audience"].pk}),
        ("end", "exit", {}),
        edges=[("t", "add"), ("add", "end")],
    )
    return publish(graph, settings={"entry": {"reentry": "concurrent", "limit": 5}})


def _members(audience):
    return sorted(AudienceMember.objects.filter(audience=audience).values_list("contact_id", "state", "wanted"))


def test_it_queues_a_membership_row_per_contact_for_the_provider_sync(adding, refs, person, happen, run, trace, now):
    people = [person(f"p{n}@example.com") for n in range(3)]
    for contact in people:
        happen(contact, "visited")
    run()
    audience = refs["audience"]
    assert _members(audience) == [(p.pk, "pending_add", "in") for p in people]
    assert set(AudienceMember.objects.values_list("next_attempt_at", flat=True)) == {now}
    assert trace(Enrollment.objects.get(contact=people[0])) == [
        ("t", "passed", "next"),
        ("add", "passed", "next"),
        ("end", "passed", ""),
    ]
    assert audience_sync(audience=audience, now=now).added == 3
    assert _members(audience) == [(p.pk, "added", "in") for p in people]


def test_passing_the_step_again_changes_nothing(adding, refs, person, happen, run, now):
    kim = person()
    happen(kim, "visited")
    happen(kim, "visited")  # two enrollments in the same batch
    run()
    assert _members(refs["audience"]) == [(kim.pk, "pending_add", "in")]
    audience_sync(audience=refs["audience"], now=now)
    happen(kim, "visited", at=now + timedelta(days=1))
    run(timedelta(days=1))
    assert _members(refs["audience"]) == [(kim.pk, "added", "in")]  # not queued again
    assert Step.objects.filter(node_id="add", outcome="passed").count() == 3


def test_a_switched_off_audience_is_skipped_with_the_reason(adding, refs, person, happen, run):
    refs["audience"].is_active = False
    refs["audience"].save()
    happen(person(), "visited")
    run()
    step = Step.objects.get(node_id="add")
    assert (step.outcome, step.reason) == ("skipped", "The audience no longer exists or is switched off.")
    assert not AudienceMember.objects.exists()
    assert Enrollment.objects.get().state == "completed"
