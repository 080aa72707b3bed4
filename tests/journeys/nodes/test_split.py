from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.services.contacts import Identity, contact_ids_get_or_create
from journeys.entries import journey_enroll
from journeys.executor import executor_drain
from journeys.models import Step
from journeys.nodes.split import Split, branch_of
from journeys.services import journey_publish

AB = [{"key": "a", "label": "Variant A", "percent": 50}, {"key": "b", "label": "Variant B", "percent": 50}]


def test_branches_become_outputs(check):
    config, errors = check("split", {"branches": AB})
    assert errors == {}
    assert [o.key for o in Split.outputs_for(config)] == ["a", "b"]


def test_percentages_must_add_up_to_100(check):
    assert "add up to 90" in check("split", {"branches": [{**AB[0], "percent": 40}, AB[1]]})[1]["branches"][0]


def test_two_to_five_branches_with_their_own_keys(check):
    assert "branches" in check("split", {"branches": AB[:1]})[1]
    assert "branches" in check("split", {"branches": [AB[0], {**AB[1], "key": "a"}]})[1]
    six = [{"key": f"k{i}", "label": str(i), "percent": 10} for i in range(6)]
    assert "branches" in check("split", {"branches": six})[1]


# --- execute: sticky, deterministic branches ------------------------------------------------------
# branch_of itself, over 10,000 ids, is in tests/journeys/executor/test_sending_rules.py.

TWENTY_EIGHTY = [{"key": "a", "label": "A", "percent": 20}, {"key": "b", "label": "B", "percent": 80}]


@pytest.fixture
def splitting(build, publish):
    """Publish visited → split(branches) → an exit per branch; contacts may enter again after finishing."""

    def make(branches, *, name="Split test"):
        graph = build(
            ("t", "trigger", {"kind": "event", "event": "visited"}),
            ("s", "split", {"branches": branches}),
            *[(b["key"], "exit", {}) for b in branches],
            edges=[("t", "s"), *[("s", b["key"], b["key"]) for b in branches]],
        )
        return publish(graph, settings={"entry": {"reentry": "after_finish"}}, name=name)

    return make


def _branches(journey):
    return list(
        Step.objects.filter(journey=journey, node_id="s")
        .order_by("enrollment_id")
        .values_list("enrollment__contact_id", "output")
    )


def test_a_contact_takes_the_same_branch_every_time_they_pass(splitting, person, happen, run, now):
    journey = splitting(AB)
    people = [person(f"p{n}@example.com") for n in range(20)]
    for day in range(3):
        for contact in people:
            happen(contact, "visited", at=now + timedelta(days=day))
        run(timedelta(days=day))
    taken = {}
    for contact_id, output in _branches(journey):
        taken.setdefault(contact_id, set()).add(output)
    assert len(_branches(journey)) == 60
    assert all(len(outputs) == 1 for outputs in taken.values())
    assert {next(iter(o)) for o in taken.values()} == {"a", "b"}  # and not everyone the same way
    assert taken == {p.pk: {branch_of(AB, p.pk, journey.pk, "s")} for p in people}


def test_a_new_version_keeps_each_contact_on_their_branch(splitting, person, happen, run, now):
    journey = splitting(AB)
    people = [person(f"p{n}@example.com") for n in range(20)]
    for contact in people:
        happen(contact, "visited")
    run()
    journey_publish(journey=journey, now=now + timedelta(hours=1))
    for contact in people:
        happen(contact, "visited", at=now + timedelta(hours=2))
    run(timedelta(hours=2))
    versions = Step.objects.filter(journey=journey, node_id="s").values_list("version__number", flat=True)
    assert sorted(set(versions)) == [1, 2]
    taken = {}
    for contact_id, output in _branches(journey):
        taken.setdefault(contact_id, set()).add(output)
    assert all(len(outputs) == 1 for outputs in taken.values())


def test_another_journey_splits_its_contacts_independently(splitting, person, happen, run):
    first, second = splitting(AB, name="First"), splitting(AB, name="Second")
    people = [person(f"p{n}@example.com") for n in range(40)]
    for contact in people:
        happen(contact, "visited")
    run()
    assert dict(_branches(first)) != dict(_branches(second))


def test_the_shares_follow_the_percentages_over_a_thousand_contacts(splitting, now):
    journey = splitting(TWENTY_EIGHTY)
    identities = [Identity(email=f"c{n}@example.com", external_id=None) for n in range(1000)]
    ids = sorted(contact_ids_get_or_create(identities, now=now).values())
    journey_enroll(journey=journey, contact_ids=ids, now=now)
    report = executor_drain(now=now, batch_size=500)
    assert (report.batches, report.enrollments) == (2, 1000)  # the shares hold across batches
    outputs = [output for _contact, output in _branches(journey)]
    assert 150 <= outputs.count("a") <= 250  # 20 %; the hash is deterministic, so this never flakes
    assert outputs.count("a") + outputs.count("b") == 1000
    assert Step.objects.filter(journey=journey, node_id__in=["a", "b"], outcome="passed").count() == 1000
