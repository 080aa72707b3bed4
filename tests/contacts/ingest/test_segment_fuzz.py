"""Whatever an SDK (or anyone with a write key) sends, the tracking API answers below 500 and
stores only what it says it stored (property-based)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Event
from flowbuilder.accounts.services import write_key_create

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["2026-11-23T12:00:00Z", "9999-01-01T00:00:00Z", "u-1", "identify", "track", "page"])
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
FIELDS = [
    "type", "userId", "anonymousId", "event", "properties", "traits", "context", "timestamp", "sentAt",
    "originalTimestamp", "messageId", "name", "groupId", "previousId", "writeKey",
]  # fmt: skip
messages = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), values, max_size=7)
bodies = st.dictionaries(
    st.sampled_from(["batch", "context", "sentAt"]), st.lists(messages | values, max_size=4) | values, max_size=3
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def auth(db, marketer):
    _row, key = write_key_create(name="Fuzz", user=marketer)
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@FUZZ
@given(body=bodies)
def test_a_batch_of_anything_is_answered_without_a_server_error(client, auth, body):
    before = Event.objects.count()
    response = client.post("/v1/batch", data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code in (200, 400), response.content
    answer = response.json()
    if response.status_code == 200:
        assert answer["success"] is True
    assert Event.objects.count() - before <= answer.get("stored", 0)


@FUZZ
@given(kind=st.sampled_from(["identify", "track", "page", "screen", "group", "alias"]), message=messages)
def test_a_single_message_of_anything_is_answered_without_a_server_error(client, auth, kind, message):
    response = client.post(
        f"/v1/{kind}", data=json.dumps(message), content_type="application/json", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code in (200, 400), response.content
