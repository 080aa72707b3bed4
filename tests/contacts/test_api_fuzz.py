"""Whatever a client sends, the contacts API answers with a status below 500 (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(
    [
        "name",
        "email",
        "external_id",
        "contact_id",
        "properties",
        "occurred_at",
        "idempotency_key",
        "context",
        "type",
        "op",
        "value",
        "field",
        "all",
        "any",
        "not",
        "count",
        "within_days",
        "where",
        "rules",
        "stage",
        "attributes",
        "tags",
        "locale",
        "timezone",
        "first_name",
    ]
)
objects = st.dictionaries(keys | st.text(max_size=8), json_values, max_size=6)
rule_like = st.recursive(
    objects,
    lambda children: st.dictionaries(
        st.sampled_from(["all", "any", "not"]), st.lists(children, max_size=3) | children, max_size=1
    ),
    max_leaves=8,
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def api(api_client, marketer):
    api_client.force_authenticate(marketer)
    return api_client


@FUZZ
@given(body=objects | st.lists(objects, max_size=3) | json_values)
def test_events_never_answer_500(api, body):
    response = api.post("/api/v1/events/", body, format="json")
    assert response.status_code < 500, response.content
    batch = api.post("/api/v1/events/", {"events": body if isinstance(body, list) else [body]}, format="json")
    assert batch.status_code < 500, batch.content


@FUZZ
@given(body=objects)
def test_contact_upserts_never_answer_500(api, body):
    response = api.post("/api/v1/contacts/", body, format="json")
    assert response.status_code < 500, response.content


@FUZZ
@given(rules=rule_like | json_values)
def test_segment_previews_and_saves_never_answer_500(api, rules):
    assert api.post("/api/v1/segments/preview/", {"rules": rules}, format="json").status_code < 500
    assert api.post("/api/v1/segments/", {"name": "Fuzz", "rules": rules}, format="json").status_code < 500


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "stage",
                "segment",
                "consent",
                "tag",
                "ordering",
                "page",
                "page_size",
                "attributes.plan",
                "attributes.a.b",
            ]
        ),
        st.text(max_size=20),
        max_size=4,
    )
)
def test_contact_listing_never_answers_500(api, params):
    assert api.get("/api/v1/contacts/", params).status_code < 500


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "x", "email": "a@example.com", "properties": {"v": NaN}}',
        '{"name": "order_completed", "email": "a@example.com", "properties": {"revenue": Infinity}}',
        '{"name": "x", "email": "a@example.com", "occurred_at": "9999-99-99T99:99"}',
        '{"name": "\\u0000", "email": "a@example.com"}',
    ],
)
def test_json_python_accepts_but_no_database_can_store_is_refused(api, raw):
    response = api.post("/api/v1/events/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
