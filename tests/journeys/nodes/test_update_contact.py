from __future__ import annotations

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
