"""Segment membership stays current; every entry and exit is recorded and announced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from contacts import signals
from contacts.models import Segment, SegmentChange, SegmentMembership
from contacts.services.contacts import contact_update
from contacts.services.events import event_record
from contacts.services.refresh import dirty_contacts_drain
from contacts.services.segments import segment_save, static_segment_change, time_relative_segments_reevaluate

BUYERS = {"type": "event", "name": "order_completed"}


def names(segment):
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact__email", flat=True))


def test_saving_a_segment_fills_it_and_records_the_entries(world, now):
    segment = segment_save(name="Buyers", rule=BUYERS, now=now)
    assert names(segment) == {"ann@example.com", "bob@example.com", "dee@example.com"}
    assert segment.member_count == 3
    assert SegmentChange.objects.filter(segment=segment, change="entered").count() == 3


def test_an_event_moves_a_contact_in_and_is_announced(world, now):
    segment = segment_save(name="Buyers", rule=BUYERS, now=now)
    heard = []
    signals.segment_membership_changed.connect(receiver := lambda sender, changes, **kw: heard.extend(changes))
    try:
        event_record(name="order_completed", contact=world["cem"], properties={"revenue": 5}, now=now)
        dirty_contacts_drain(now=now)
    finally:
        signals.segment_membership_changed.disconnect(receiver)
    assert "cem@sample.org" in names(segment)
    assert [(c.segment_id, c.contact_id, c.change) for c in heard] == [(segment.pk, world["cem"].pk, "entered")]
    segment.refresh_from_db()
    assert segment.member_count == 4


def test_a_field_change_moves_a_contact_out(world, now):
    segment = segment_save(name="Pro", rule={"type": "attribute", "field": "plan", "op": "eq", "value": "pro"}, now=now)
    contact_update(contact=world["ann"], data={"attributes": {"plan": "free"}}, now=now)
    dirty_contacts_drain(now=now)
    assert names(segment) == set()
    change = SegmentChange.objects.filter(segment=segment).latest("id")
    assert (change.contact_id, change.change, change.changed_at) == (world["ann"].pk, "exited", now)


def test_time_relative_segments_are_recomputed_as_time_passes(world, now):
    recent = segment_save(name="Recent buyers", rule={**BUYERS, "within_days": 7}, now=now)
    assert recent.uses_time
    assert names(recent) == {"ann@example.com"}
    time_relative_segments_reevaluate(now=now + timedelta(days=5))
    assert names(recent) == set()


def test_static_segments_are_changed_by_hand(world, now):
    segment = segment_save(name="Webinar guests", kind="static", now=now)
    static_segment_change(segment=segment, add=[world["ann"].pk, world["bob"].pk], now=now)
    static_segment_change(segment=segment, remove=[world["ann"].pk], now=now)
    assert names(segment) == {"bob@example.com"}
    segment.refresh_from_db()
    assert segment.member_count == 1
    in_guests = segment_save(
        name="Guests who bought", rule={"all": [BUYERS, {"type": "segment", "op": "in", "value": segment.pk}]}, now=now
    )
    assert names(in_guests) == {"bob@example.com"}


def test_segments_may_build_on_each_other_but_not_in_a_circle(world, now):
    buyers = segment_save(name="Buyers", rule=BUYERS, now=now)
    non_buyers = segment_save(name="Non-buyers", rule={"type": "segment", "op": "not_in", "value": buyers.pk}, now=now)
    assert names(non_buyers) == {"cem@sample.org", None}
    with pytest.raises(ValidationError) as caught:
        segment_save(
            segment=buyers, name="Buyers", rule={"type": "segment", "op": "in", "value": non_buyers.pk}, now=now
        )
    assert "circle" in caught.value.message_dict["rules"][0]
    buyers.refresh_from_db()
    assert buyers.rules == BUYERS


def test_rule_errors_are_reported_under_rules_with_their_path(world, now):
    with pytest.raises(ValidationError) as caught:
        segment_save(
            name="Bad", rule={"all": [{"type": "attribute", "field": "plan", "op": "like", "value": 1}]}, now=now
        )
    assert "rules.all.0.op" in caught.value.message_dict
    assert not Segment.objects.exists()


def test_names_are_unique_without_regard_to_case(world, now):
    segment_save(name="Buyers", rule=BUYERS, now=now)
    with pytest.raises(ValidationError, match="already called"):
        segment_save(name="buyers", rule=BUYERS, now=now)


def test_reevaluating_many_contacts_for_many_segments_agrees_with_full_evaluation(world, now):
    rules = [
        BUYERS,
        {**BUYERS, "count": {"op": "gte", "value": 2}},
        {"type": "tag", "op": "has", "value": "vip"},
        {"not": {"type": "attribute", "field": "plan", "op": "exists"}},
        {"type": "consent", "op": "in", "value": ["subscribed"]},
    ]
    segments = [segment_save(name=f"S{i}", rule=rule, now=now) for i, rule in enumerate(rules * 6)]
    expected = {s.pk: names(s) for s in segments}
    SegmentMembership.objects.all().delete()
    from contacts.services.segments import contacts_reevaluate

    contacts_reevaluate([c.pk for c in world.values()], now=now)
    assert {s.pk: names(s) for s in segments} == expected
