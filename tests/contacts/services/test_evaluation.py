"""Re-evaluating a few contacts (one query, compiled once) agrees with evaluating whole segments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.models import Contact, SegmentMembership
from contacts.services import evaluation
from contacts.services.segments import contacts_reevaluate, segment_save, static_segment_change

ORDERS = {"type": "event", "name": "order_completed"}
RULES = [
    ORDERS,
    {**ORDERS, "within_days": 60},
    {**ORDERS, "count": {"op": "gte", "value": 2}},
    {**ORDERS, "count": {"op": "lte", "value": 1}},
    {**ORDERS, "count": {"op": "eq", "value": 1}},
    {**ORDERS, "count": {"op": "eq", "value": 0}},
    {**ORDERS, "where": [{"property": "revenue", "op": "gt", "value": 100}]},
    {"not": {**ORDERS, "count": {"op": "gte", "value": 2}}},
    {"any": [{**ORDERS, "count": {"op": "eq", "value": 1}}, {"type": "tag", "op": "has", "value": "vip"}]},
    {"all": [ORDERS, {"not": {**ORDERS, "within_days": 60}}]},
    {"type": "event", "name": "form_submitted", "where": [{"property": "budget", "op": "gte", "value": 5000}]},
    {"type": "tag", "op": "has_not", "value": "vip"},
    {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"},
    {"type": "attribute", "field": "signed_up_at", "op": "within_last", "value": 7},
    {"type": "attribute", "field": "last_order_at", "op": "within_last", "value": 7},
    {"not": {"type": "attribute", "field": "plan", "op": "exists"}},
    {"type": "rfm", "metric": "recency", "op": "gte", "value": 60},
    {"type": "stage", "op": "not_in", "value": ["customer"]},
]


def members(segment):
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def test_reevaluating_contacts_agrees_with_evaluating_each_segment_whole(world, now):
    segments = [segment_save(name=f"S{i}", rule=rule, now=now) for i, rule in enumerate(RULES)]
    static = segment_save(name="Hand-picked", kind="static", now=now)
    static_segment_change(segment=static, add=[world["bob"].pk, world["eve"].pk], now=now)
    segments += [
        segment_save(name="In the list", rule={"type": "segment", "op": "in", "value": static.pk}, now=now),
        segment_save(name="Not in the list", rule={"type": "segment", "op": "not_in", "value": static.pk}, now=now),
        segment_save(name="Built on S2", rule={"type": "segment", "op": "not_in", "value": segments[2].pk}, now=now),
    ]
    expected = {segment.pk: members(segment) for segment in segments}
    SegmentMembership.objects.filter(segment__in=segments).delete()
    for contact in world.values():  # one at a time, as after an event, and all at once
        contacts_reevaluate([contact.pk], now=now)
    assert {segment.pk: members(segment) for segment in segments} == expected
    SegmentMembership.objects.filter(segment__in=segments).delete()
    contacts_reevaluate([c.pk for c in world.values()], now=now)
    assert {segment.pk: members(segment) for segment in segments} == expected


def test_the_compiled_evaluation_is_kept_and_follows_the_moment(world, now):
    evaluation._templates.clear()
    recent = segment_save(name="Recent buyers", rule={**ORDERS, "within_days": 7}, now=now)
    signed_up = segment_save(
        name="Just signed up",
        rule={"type": "attribute", "field": "signed_up_at", "op": "within_last", "value": 7},
        now=now,
    )
    assert members(recent) == {world["ann"].pk}
    assert members(signed_up) == {world["eve"].pk}
    contacts_reevaluate([world["ann"].pk], now=now)
    assert [template for template in evaluation._templates.values() if template is not None]
    later = now + timedelta(days=5)
    contacts_reevaluate([world["ann"].pk], now=later)
    contacts_reevaluate([world["eve"].pk], now=later)
    assert members(recent) == set()
    assert members(signed_up) == set()


def test_unknown_contacts_are_left_alone(world, now):
    segment = segment_save(name="Everyone subscribed", rule={"type": "consent", "op": "in", "value": ["subscribed"]})
    missing = Contact.objects.order_by("-pk").first().pk + 1
    assert contacts_reevaluate([missing], now=now) == []
    assert members(segment) == {c.pk for c in world.values() if c.email_consent == "subscribed"}


@pytest.mark.parametrize(
    ("rule", "plain"),
    [
        ({"not": {**ORDERS, "count": {"op": "gte", "value": 2}}}, {**ORDERS, "count": {"op": "lte", "value": 1}}),
        ({"any": [{**ORDERS, "count": {"op": "eq", "value": 1}}]}, {**ORDERS, "count": {"op": "eq", "value": 1}}),
        ({"not": {**ORDERS, "count": {"op": "lte", "value": 0}}}, ORDERS),
    ],
)
def test_counts_under_any_and_not_match_like_their_plain_form(matching, rule, plain):
    assert matching(rule) == matching(plain)
