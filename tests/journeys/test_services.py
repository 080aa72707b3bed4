"""Drafts, publishing immutable versions, migrating waiting contacts, export and import."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from contacts.services.contacts import contact_upsert
from journeys import gallery
from journeys.models import Enrollment, Journey, Step
from journeys.services import (
    journey_create,
    journey_duplicate,
    journey_export,
    journey_import,
    journey_publish,
    journey_set_status,
    journey_update,
    journey_validate,
    publish_plan,
    versions_diff,
)

NOW_STR = "2026-11-23T12:00:00+00:00"


def test_a_draft_may_be_unfinished_but_must_be_readable(refs, build):
    journey = journey_create(name="Half built", graph=build(("t", "trigger", {"kind": "event"})))
    assert not journey_validate(journey=journey).valid
    with pytest.raises(ValidationError) as caught:
        journey_update(
            journey=journey, graph={"nodes": [{"id": "x", "type": "teleport", "position": {"x": 0, "y": 0}}]}
        )
    assert caught.value.message_dict == {"graph.nodes[x].type": ["Unknown step type 'teleport'."]}
    journey.refresh_from_db()
    assert journey.draft_graph["nodes"][0]["id"] == "t"


def test_bad_settings_are_refused_by_path(refs):
    with pytest.raises(ValidationError) as caught:
        journey_create(
            name="X",
            settings={
                "entry": {"reentry": "sometimes"},
                "priority": 11,
                "send_window": {"weekdays": [1], "start": "18:00", "end": "09:00"},
            },
        )
    assert set(caught.value.message_dict) == {"settings.entry.reentry", "settings.priority", "settings.send_window.end"}


def test_publishing_creates_immutable_numbered_versions(refs, welcome_graph, marketer):
    journey = journey_create(name="Welcome", graph=welcome_graph)
    v1, _plan = journey_publish(journey=journey, user=marketer, change_note="First")
    journey.refresh_from_db()
    assert (v1.number, journey.status, journey.live_version, v1.published_by) == (1, "active", v1, marketer)
    assert v1.graph["nodes"][2]["config"] == {
        "mode": "duration",
        "amount": 2,
        "unit": "days",
        "time": "09:00",
        "offset_days": 0,
        "timeout_amount": 1,
        "timeout_unit": "hours",
    }
    edited = copy.deepcopy(journey.draft_graph)
    edited["nodes"][2]["config"]["amount"] = 3
    journey_update(journey=journey, graph=edited)
    v1.refresh_from_db()
    assert v1.graph["nodes"][2]["config"]["amount"] == 2
    v2, _plan = journey_publish(journey=journey)
    assert v2.number == 2


def test_an_invalid_draft_is_not_published_and_every_problem_is_named(refs, build):
    journey = journey_create(name="Bad", graph=build(("t", "trigger", {"kind": "event"}), ("x", "exit", {})))
    with pytest.raises(ValidationError) as caught:
        journey_publish(journey=journey)
    assert set(caught.value.message_dict) == {"graph.nodes[t].config.event", "graph.nodes[x]"}
    assert not journey.versions.exists()


def test_publishing_reports_and_optionally_moves_waiting_contacts(refs, welcome_graph, now):
    journey = journey_create(name="Welcome", graph=welcome_graph)
    v1, _ = journey_publish(journey=journey)
    for index, node_id in enumerate(["wait", "wait", "opened"]):
        contact, _ = contact_upsert(email=f"c{index}@example.com", now=now)
        Enrollment.objects.create(
            journey=journey, version=v1, contact=contact, node_id=node_id, trigger_key=f"t{index}", entered_at=now
        )
    edited = copy.deepcopy(welcome_graph)
    edited["nodes"] = [n for n in edited["nodes"] if n["id"] != "opened"]
    edited["edges"] = [e for e in edited["edges"] if "opened" not in (e["source"], e["target"])] + [
        {"id": "w-end", "source": "wait", "sourceHandle": None, "target": "end"}
    ]
    journey_update(journey=journey, graph=edited)
    plan = publish_plan(journey=journey)
    assert (plan.waiting, plan.would_move, plan.would_stay, plan.missing_nodes) == (
        {"wait": 2, "opened": 1},
        2,
        1,
        ["opened"],
    )
    assert plan.diff["nodes_removed"] == ["opened"]
    v2, _ = journey_publish(journey=journey, migrate=True)
    assert Enrollment.objects.filter(version=v2).count() == 2
    assert Enrollment.objects.get(node_id="opened").version == v1  # stays pinned: its step is gone


def test_a_removed_step_can_be_mapped_to_a_new_one(refs, welcome_graph, now):
    journey = journey_create(name="Welcome", graph=welcome_graph)
    v1, _ = journey_publish(journey=journey)
    contact, _ = contact_upsert(email="c@example.com", now=now)
    Enrollment.objects.create(
        journey=journey, version=v1, contact=contact, node_id="opened", trigger_key="t", entered_at=now
    )
    edited = copy.deepcopy(welcome_graph)
    for node in edited["nodes"]:
        if node["id"] == "opened":
            node["id"] = "opened-2"
    for edge in edited["edges"]:
        edge["source"] = "opened-2" if edge["source"] == "opened" else edge["source"]
        edge["target"] = "opened-2" if edge["target"] == "opened" else edge["target"]
    journey_update(journey=journey, graph=edited)
    with pytest.raises(ValidationError, match="no step 'ghost'"):
        journey_publish(journey=journey, migrate=True, node_map={"opened": "ghost"})
    v2, _ = journey_publish(journey=journey, migrate=True, node_map={"opened": "opened-2"})
    assert Enrollment.objects.get().version == v2
    assert Enrollment.objects.get().node_id == "opened-2"


def test_pause_resume_and_archive(refs, welcome_graph, now):
    journey = journey_create(name="Welcome", graph=welcome_graph)
    with pytest.raises(ValidationError, match="cannot be changed"):
        journey_set_status(journey=journey, action="pause")
    v1, _ = journey_publish(journey=journey)
    assert journey_set_status(journey=journey, action="pause").status == "paused"
    assert journey_set_status(journey=journey, action="resume").status == "active"
    contact, _ = contact_upsert(email="c@example.com", now=now)
    Enrollment.objects.create(
        journey=journey, version=v1, contact=contact, node_id="wait", trigger_key="t", entered_at=now
    )
    journey_set_status(journey=journey, action="archive", now=now)
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason, enrollment.finished_at) == (
        "exited",
        "The journey was archived.",
        now,
    )
    assert list(Step.objects.values_list("node_id", "outcome", "reason")) == [
        ("wait", "exited", "The journey was archived.")
    ]
    with pytest.raises(ValidationError, match="archived"):
        journey_update(journey=journey, name="Again")


def test_the_diff_tells_added_removed_changed_and_moved_steps():
    old = {
        "nodes": [
            {"id": "a", "type": "exit", "config": {}, "position": {"x": 0, "y": 0}},
            {"id": "b", "type": "exit", "config": {}, "position": {"x": 0, "y": 0}},
            {"id": "c", "type": "exit", "config": {}, "position": {"x": 0, "y": 0}},
        ],
        "edges": [{"id": "e", "source": "a", "sourceHandle": None, "target": "b"}],
    }
    new = {
        "nodes": [
            {"id": "a", "type": "exit", "config": {"reason": "goal"}, "position": {"x": 0, "y": 0}},
            {"id": "b", "type": "exit", "config": {}, "position": {"x": 5, "y": 0}},
            {"id": "d", "type": "exit", "config": {}, "position": {"x": 0, "y": 0}},
        ],
        "edges": [{"id": "f", "source": "a", "sourceHandle": None, "target": "d"}],
    }
    assert versions_diff(old, new) == {
        "nodes_added": ["d"],
        "nodes_removed": ["c"],
        "nodes_changed": ["a"],
        "nodes_moved": ["b"],
        "edges_added": [{"source": "a", "sourceHandle": "next", "target": "d"}],
        "edges_removed": [{"source": "a", "sourceHandle": "next", "target": "b"}],
    }


def test_export_names_references_and_import_finds_them_again(refs, build):
    graph = build(
        ("t", "trigger", {"kind": "segment_entered", "segment": refs["segment"].pk}),
        ("m", "send_email", {"template": refs["welcome"].pk}),
        ("c", "condition", {"rule": {"not": {"type": "segment", "op": "in", "value": refs["segment"].pk}}}),
        ("a", "add_to_audience", {"audience": refs["audience"].pk}),
        edges=[("t", "m"), ("m", "c"), ("c", "yes", "a")],
    )
    journey = journey_create(
        name="Win-back",
        graph=graph,
        settings={"exit_rules": [{"kind": "segment_exited", "segment": refs["segment"].pk}]},
    )
    document = journey_export(journey=journey)
    nodes = {n["id"]: n for n in document["graph"]["nodes"]}
    assert nodes["t"]["config"]["segment"] == "At risk customers"
    assert nodes["m"]["config"]["template"] == "Welcome"
    assert nodes["c"]["config"]["rule"] == {"not": {"type": "segment", "op": "in", "value": "At risk customers"}}
    assert nodes["a"]["config"]["audience"] == "Win-back retargeting"
    assert document["settings"]["exit_rules"][0]["segment"] == "At risk customers"
    copy_ = journey_import(document=document)
    assert copy_.draft_graph == journey.draft_graph
    assert journey_validate(journey=copy_).valid


def test_importing_with_a_missing_reference_names_step_and_field(refs, build):
    document = journey_export(
        journey=journey_create(name="X", graph=build(("m", "send_email", {"template": refs["welcome"].pk})))
    )
    document["graph"]["nodes"][0]["config"]["template"] = "Nope"
    with pytest.raises(ValidationError) as caught:
        journey_import(document=document)
    assert caught.value.message_dict == {
        "graph.nodes[m].config.template": [
            "There is no email template called 'Nope' here. Create it first, then import again."
        ]
    }
    assert Journey.objects.count() == 1
    with pytest.raises(ValidationError, match="not a Flowbuilder journey export"):
        journey_import(document={"graph": {}})


def test_a_duplicate_is_a_new_draft(refs, welcome_graph):
    journey = journey_create(name="Welcome", graph=welcome_graph)
    journey_publish(journey=journey)
    copy_ = journey_duplicate(journey=journey)
    assert (copy_.name, copy_.status, copy_.live_version, copy_.draft_graph) == (
        "Welcome (copy)",
        "draft",
        None,
        journey.draft_graph,
    )


@pytest.mark.parametrize("template", [t.key for t in gallery.templates()])
def test_every_gallery_journey_imports_and_validates_against_the_demo_data(refs, template):
    journey = journey_import(document=gallery.template(template).document)
    result = journey_validate(journey=journey)
    assert result.valid, result.as_dict()


def test_a_yearly_trigger_in_a_journey_entered_only_once_is_warned_about(db, build):
    graph = build(
        ("t", "trigger", {"kind": "date", "date_attribute": "birthday", "repeat": "yearly"}),
        ("end", "exit", {}),
        edges=[("t", "end")],
    )
    once = journey_create(name="Birthday", graph=graph)
    again = journey_create(name="Birthday again", graph=graph, settings={"entry": {"reentry": "after_finish"}})

    (warning,) = [w for w in journey_validate(journey=once).warnings if w.code == "trigger_enters_once"]
    assert (warning.node_id, warning.field) == ("t", "config.repeat")
    assert "only once" in warning.message
    assert not [w for w in journey_validate(journey=again).warnings if w.code == "trigger_enters_once"]
