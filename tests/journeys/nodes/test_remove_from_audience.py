from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.models import AudienceMember
from contacts.services.audiences import audience_members_add, audience_sync
from journeys.models import Enrollment, Step
from journeys.nodes.remove_from_audience import RemoveFromAudience


def test_it_names_an_audience_like_adding_does(check):
    assert "audience" in check("remove_from_audience", {"audience": "all"})[1]
    assert check("remove_from_audience", {"audience": 2})[1] == {}
    assert RemoveFromAudience.kind == "remove_from_audience"


# --- execute: removals queued for the provider sync ------------------------------------------------


@pytest.fixture
def removing(build, publish, refs):
    """Publish churned → remove from the win-back audience → exit (contacts may pass again)."""
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "churned"}),
        ("remove", "remove_from_audience", {"audience": refs["audience"].pk}),
        ("end", "exit", {}),
        edges=[("t", "remove"), ("remove", "end")],
    )
    return publish(graph, settings={"entry": {"reentry": "after_finish"}})


def _members(audience):
    return sorted(AudienceMember.objects.filter(audience=audience).values_list("contact_id", "state", "wanted"))


def test_it_queues_the_removal_of_members_the_provider_has(removing, refs, person, happen, run, trace, now):
    audience = refs["audience"]
    kim, bo = person("kim@example.com"), person("bo@example.com")
    audience_members_add(audience=audience, contact_ids=[kim.pk, bo.pk], now=now)
    audience_sync(audience=audience, now=now)
    happen(kim, "churned")
    run()
    assert _members(audience) == [(kim.pk, "pending_remove", "out"), (bo.pk, "added", "in")]
    assert trace(Enrollment.objects.get(contact=kim))[1] == ("remove", "passed", "next")
    assert audience_sync(audience=audience, now=now).removed == 1
    assert _members(audience) == [(kim.pk, "removed", "out"), (bo.pk, "added", "in")]


def test_a_member_never_sent_to_the_provider_is_simply_dropped(removing, refs, person, happen, run, now):
    kim = person()
    audience_members_add(audience=refs["audience"], contact_ids=[kim.pk], now=now)
    happen(kim, "churned")
    run()
    assert _members(refs["audience"]) == [(kim.pk, "removed", "out")]


def test_removing_again_or_removing_a_non_member_changes_nothing(removing, refs, person, happen, run, now):
    kim, stranger = person("kim@example.com"), person("stranger@example.com")
    audience_members_add(audience=refs["audience"], contact_ids=[kim.pk], now=now)
    audience_sync(audience=refs["audience"], now=now)
    happen(kim, "churned")
    happen(stranger, "churned")
    run()
    audience_sync(audience=refs["audience"], now=now)
    happen(kim, "churned", at=now + timedelta(days=1))
    run(timedelta(days=1))
    assert _members(refs["audience"]) == [(kim.pk, "removed", "out")]
    assert Step.objects.filter(node_id="remove", outcome="passed").count() == 3


def test_a_switched_off_audience_is_skipped_with_the_reason(removing, refs, person, happen, run, now):
    kim = person()
    audience_members_add(audience=refs["audience"], contact_ids=[kim.pk], now=now)
    refs["audience"].is_active = False
    refs["audience"].save()
    happen(kim, "churned")
    run()
    step = Step.objects.get(node_id="remove")
    assert (step.outcome, step.reason) == ("skipped", "The audience no longer exists or is switched off.")
    assert _members(refs["audience"]) == [(kim.pk, "pending_add", "in")]
