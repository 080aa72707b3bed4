"""The registry and what the canvas reads from it."""

from __future__ import annotations

from django.core import checks

from journeys.nodes import NODE_TYPES, node_types
from journeys.nodes.base import describe


def test_every_type_in_the_product_table_is_registered():
    assert set(NODE_TYPES) == {
        "trigger",
        "wait",
        "condition",
        "split",
        "send_email",
        "add_to_audience",
        "remove_from_audience",
        "update_contact",
        "webhook",
        "notify",
        "exit",
    }


def test_the_system_check_passes_and_catches_a_broken_entry(monkeypatch):
    assert [m for m in checks.run_checks() if m.id == "journeys.E001"] == []
    monkeypatch.setitem(NODE_TYPES, "teleport", "journeys.nodes.teleport.Teleport")
    assert [m.id for m in checks.run_checks() if m.id == "journeys.E001"] == ["journeys.E001"]


def test_schemas_describe_field_types_choices_references_and_visibility():
    fields = {cls.kind: {f["name"]: f for f in describe(cls.Config())} for cls in node_types()}
    trigger = fields["trigger"]
    assert trigger["kind"]["type"] == "choice"
    assert {"value": "segment_entered", "label": "A contact enters a segment"} in trigger["kind"]["choices"]
    assert trigger["segment"] | {} == {**trigger["segment"], "type": "reference", "to": "segment"}
    assert trigger["segment"]["show_if"] == {"field": "kind", "in": ["segment_entered", "segment_exited"]}
    assert trigger["where"]["type"] == "list"
    assert trigger["where"]["item"]["type"] == "object"
    assert fields["condition"]["rule"]["type"] == "rule"
    assert fields["send_email"]["template"]["to"] == "template"
    assert fields["update_contact"]["stage"]["to"] == "stage"
    assert fields["wait"]["weekdays"]["type"] == "multichoice"
    assert fields["wait"]["unit"]["default"] == "days"
    assert fields["webhook"]["body"]["type"] == "textarea"
