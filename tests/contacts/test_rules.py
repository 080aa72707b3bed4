"""The segment rule language: what each rule selects, and the errors bad rules get."""

from __future__ import annotations

import pytest

from contacts.rules import RuleErrors, uses_time, validate

ALL = {"ann", "bob", "cem", "dee", "u-5"}


def attr(field, op, value=None, **extra):
    rule = {"type": "attribute", "field": field, "op": op, **extra}
    if value is not None:
        rule["value"] = value
    return rule


class TestAttributes:
    def test_equality_on_a_json_attribute_is_exact_and_typed(self, matching):
        assert matching(attr("plan", "eq", "pro")) == {"ann"}
        assert matching(attr("seats", "eq", 12)) == {"ann"}
        assert matching(attr("seats", "eq", "12")) == set()

    def test_not_equal_includes_contacts_without_the_attribute(self, matching):
        assert matching(attr("plan", "neq", "pro")) == ALL - {"ann"}

    def test_number_comparisons(self, matching):
        assert matching(attr("seats", "gt", 1)) == {"ann"}
        assert matching(attr("seats", "gte", 1)) == {"ann", "bob"}
        assert matching(attr("seats", "lt", 12)) == {"bob"}
        assert matching(attr("seats", "lte", 12)) == {"ann", "bob"}

    def test_nested_attributes_by_dotted_path(self, matching):
        assert matching(attr("company.size", "gte", 200)) == {"ann"}
        assert matching(attr("company.size", "exists")) == {"ann"}

    def test_text_matching_ignores_case(self, matching):
        assert matching(attr("plan", "contains", "PR")) == {"ann", "cem"}
        assert matching(attr("plan", "starts_with", "fr")) == {"bob"}
        assert matching(attr("email", "contains", "@EXAMPLE.")) == {"ann", "bob", "dee"}
        assert matching(attr("email", "eq", "ANN@example.com")) == {"ann"}

    def test_in_a_list(self, matching):
        assert matching(attr("plan", "in", ["pro", "free"])) == {"ann", "bob"}

    def test_presence(self, matching):
        assert matching(attr("plan", "exists")) == {"ann", "bob", "cem"}
        assert matching(attr("plan", "not_exists")) == {"dee", "u-5"}
        assert matching(attr("first_name", "exists")) == {"ann", "bob"}
        assert matching(attr("email", "not_exists")) == {"u-5"}

    def test_dates_held_in_attributes(self, matching):
        assert matching(attr("trial_ends_at", "after", "2026-11-24")) == {"ann"}
        assert matching(attr("trial_ends_at", "before", "2026-11-24")) == set()
        assert matching(attr("signed_up_at", "within_last", 7)) == {"u-5"}
        assert matching(attr("signed_up_at", "within_last", 2)) == set()
        assert matching(attr("signed_up_at", "not_within_last", 2)) == ALL

    def test_dates_held_in_contact_columns(self, matching):
        assert matching(attr("last_order_at", "within_last", 7)) == {"ann"}
        assert matching(attr("last_order_at", "before", "2026-10-01")) == {"bob", "dee"}
        assert matching(attr("last_order_at", "eq", "2026-11-20")) == {"ann"}
        assert matching(attr("last_order_at", "after", "2026-11-20")) == set()
        assert matching(attr("last_seen_at", "after", "2026-11-21T00:00:00Z")) == {"bob"}


class TestEvents:
    def test_did_an_event_at_least_once(self, matching):
        assert matching({"type": "event", "name": "order_completed"}) == {"ann", "bob", "dee"}

    def test_at_least_at_most_and_exactly_n_times(self, matching):
        order = {"type": "event", "name": "order_completed"}
        assert matching({**order, "count": {"op": "gte", "value": 2}}) == {"ann"}
        assert matching({**order, "count": {"op": "lte", "value": 1}}) == ALL - {"ann"}
        assert matching({**order, "count": {"op": "eq", "value": 1}}) == {"bob", "dee"}
        assert matching({**order, "count": {"op": "eq", "value": 0}}) == {"cem", "u-5"}

    def test_within_the_last_days(self, matching):
        assert matching({"type": "event", "name": "order_completed", "within_days": 60}) == {"ann"}
        assert matching(
            {"type": "event", "name": "order_completed", "within_days": 365, "count": {"op": "gte", "value": 3}}
        ) == {"ann"}

    def test_where_a_property_compares(self, matching):
        form = {"type": "event", "name": "form_submitted"}
        assert matching({**form, "where": [{"property": "budget", "op": "lt", "value": 5000}]}) == {"bob"}
        assert matching({**form, "where": [{"property": "budget", "op": "gte", "value": 5000}]}) == {"cem"}
        assert matching({**form, "where": [{"property": "form", "op": "contains", "value": "CONTACT"}]}) == {
            "bob",
            "cem",
        }
        big = {"type": "event", "name": "order_completed", "where": [{"property": "revenue", "op": "gt", "value": 100}]}
        assert matching(big) == {"ann", "dee"}


class TestOtherLeaves:
    def test_lifecycle_stage(self, matching):
        assert matching({"type": "stage", "op": "in", "value": ["customer", "lead"]}) == {"ann", "bob"}
        assert matching({"type": "stage", "op": "not_in", "value": ["customer"]}) == ALL - {"ann"}

    def test_consent(self, matching):
        assert matching({"type": "consent", "op": "in", "value": ["unsubscribed"]}) == {"cem"}
        assert matching({"type": "consent", "op": "not_in", "value": ["unsubscribed"]}) == ALL - {"cem"}

    def test_tags(self, matching):
        assert matching({"type": "tag", "op": "has", "value": "vip"}) == {"ann"}
        assert matching({"type": "tag", "op": "has_not", "value": "vip"}) == ALL - {"ann"}

    def test_rfm_thresholds(self, matching):
        assert matching({"type": "rfm", "metric": "frequency", "op": "gte", "value": 3}) == {"ann"}
        assert matching({"type": "rfm", "metric": "monetary", "op": "gt", "value": 200}) == {"ann", "dee"}
        assert matching({"type": "rfm", "metric": "recency", "op": "lte", "value": 7}) == {"ann"}
        # At risk: ordered before, but not in the last 60 days. Never-ordered contacts have no recency.
        assert matching({"type": "rfm", "metric": "recency", "op": "gte", "value": 60}) == {"bob", "dee"}


class TestGroups:
    def test_all_any_not(self, matching):
        pro = attr("plan", "eq", "pro")
        lead = {"type": "stage", "op": "in", "value": ["lead"]}
        assert matching({"all": [pro, {"type": "tag", "op": "has", "value": "vip"}]}) == {"ann"}
        assert matching({"any": [pro, lead]}) == {"ann", "bob"}
        assert matching({"not": {"any": [pro, lead]}}) == ALL - {"ann", "bob"}

    def test_negation_includes_contacts_the_inner_rule_knows_nothing_about(self, matching):
        assert matching({"not": attr("plan", "eq", "pro")}) == ALL - {"ann"}
        assert matching({"not": attr("company.size", "gt", 100)}) == ALL - {"ann"}
        assert matching({"not": {"not": attr("company.size", "gt", 100)}}) == {"ann"}

    def test_at_risk_customers(self, matching):
        at_risk = {
            "all": [
                {"type": "event", "name": "order_completed"},
                {"not": {"type": "event", "name": "order_completed", "within_days": 60}},
            ]
        }
        assert matching(at_risk) == {"bob", "dee"}


class TestValidation:
    @pytest.mark.parametrize(
        ("rule", "path", "message"),
        [
            ("nonsense", "", "Expected an object"),
            ({"all": []}, "all", "non-empty list"),
            (
                {"all": [{"type": "attribute", "field": "plan", "op": "like", "value": "x"}]},
                "all.0.op",
                "Unknown operator 'like'",
            ),
            (
                {"any": [{"type": "event", "name": "x", "count": {"op": "gt", "value": 1}}]},
                "any.0.count.op",
                "at least",
            ),
            ({"type": "event", "name": "", "within_days": 0}, "name", "Name the event"),
            ({"type": "event", "name": "x", "within_days": 0}, "within_days", "1 or more"),
            ({"type": "attribute", "field": "plan", "op": "exists", "value": 1}, "value", "takes no value"),
            ({"type": "attribute", "field": "created_at", "op": "gt", "value": "soon"}, "value", "Expected a date"),
            ({"type": "rfm", "metric": "loyalty", "op": "gt", "value": 1}, "metric", "recency"),
            ({"type": "magic"}, "type", "Unknown rule type 'magic'"),
            ({"type": "tag", "op": "has", "value": "x", "extra": 1}, "extra", "Unknown key"),
            ({"all": [{"type": "tag", "op": "has", "value": "x"}], "any": []}, "", "exactly one key"),
            (
                {"type": "event", "name": "x", "where": [{"property": "a b", "op": "eq", "value": 1}]},
                "where.0.property",
                "property name",
            ),
        ],
    )
    def test_errors_point_at_the_offending_part(self, rule, path, message):
        with pytest.raises(RuleErrors) as caught:
            validate(rule)
        assert path in caught.value.errors, caught.value.errors
        assert any(message in m for m in caught.value.errors[path]), caught.value.errors

    def test_references_must_exist(self):
        with pytest.raises(RuleErrors) as caught:
            validate(
                {
                    "all": [
                        {"type": "stage", "op": "in", "value": ["vip"]},
                        {"type": "segment", "op": "in", "value": 99},
                    ]
                },
                stage_keys={"lead"},
                segments={},
            )
        assert set(caught.value.errors) == {"all.0.value", "all.1.value"}

    def test_segments_cannot_include_each_other_in_a_circle(self):
        segments = {
            1: ("dynamic", {"type": "segment", "op": "in", "value": 2}),
            2: ("dynamic", {"type": "tag", "op": "has", "value": "x"}),
        }
        with pytest.raises(RuleErrors, match="circle"):
            validate({"type": "segment", "op": "in", "value": 1}, segments=segments, segment_id=2)

    def test_depth_and_size_are_limited(self):
        deep = {"type": "tag", "op": "has", "value": "x"}
        for _ in range(10):
            deep = {"not": deep}
        with pytest.raises(RuleErrors, match="nested too deeply"):
            validate(deep)
        with pytest.raises(RuleErrors, match="at most 100"):
            validate({"any": [{"type": "tag", "op": "has", "value": str(i)} for i in range(101)]})

    def test_time_relative_rules_are_recognised(self):
        assert uses_time({"type": "event", "name": "x", "within_days": 3})
        assert uses_time({"not": {"type": "rfm", "metric": "recency", "op": "gt", "value": 3}})
        assert not uses_time({"type": "event", "name": "x", "count": {"op": "gte", "value": 2}})
