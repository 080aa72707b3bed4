"""The real analytics SDKs, pointed at a live Flowbuilder: Segment's and RudderStack's Python
libraries with their own queueing, batching (gzip for RudderStack) and error handling."""

from __future__ import annotations

import pytest
from rudderstack.analytics.client import Client as RudderClient  # type: ignore[import-untyped]
from segment.analytics.client import Client as SegmentClient  # type: ignore[import-untyped]

from contacts.models import Contact, Event
from flowbuilder.accounts.services import write_key_create
from journeys.models import Enrollment
from journeys.services import journey_create, journey_publish

pytestmark = pytest.mark.slow

CLIENTS = {"segment": SegmentClient, "rudderstack": RudderClient}


@pytest.fixture
def write_key(transactional_db, marketer):
    _row, key = write_key_create(name="Backend", user=marketer)
    return key


@pytest.fixture(params=sorted(CLIENTS))
def sdk(request, live_server, write_key):
    """A client of each library, as an app would configure it, collecting any error it reports."""
    errors: list[Exception] = []
    client = CLIENTS[request.param](
        write_key=write_key,
        host=live_server.url,
        on_error=lambda error, batch: errors.append(error),
        upload_size=10,
        max_retries=1,
    )
    client.errors = errors
    yield client
    client.join()


def test_identify_track_and_page_arrive_through_the_sdks_batching(sdk):
    sdk.identify(
        "u-1", {"email": "kim@example.com", "firstName": "Kim", "plan": "pro"}, context={"timezone": "Europe/Oslo"}
    )
    for number in range(25):  # more than one upload of 10
        sdk.track("u-1", "Viewed Product", {"sku": f"sku-{number}"})
    sdk.page("u-1", category="Docs", name="API", properties={"path": "/docs/api", "url": "https://acme.test/docs/api"})
    sdk.flush()
    assert sdk.errors == []
    contact = Contact.objects.get()
    assert (contact.external_id, contact.email, contact.first_name) == ("u-1", "kim@example.com", "Kim")
    assert contact.attributes == {"plan": "pro"}
    assert contact.timezone == "Europe/Oslo"
    assert contact.events.filter(name="Viewed Product").count() == 25
    page = contact.events.get(name="page_viewed")
    assert page.properties["path"] == "/docs/api"
    assert page.properties["name"] == "API"
    assert page.context["library"]["name"]  # the SDK's own context is kept


def test_a_message_the_sdk_sends_again_is_stored_once(sdk):
    for _ in range(3):  # what a retry after a lost answer looks like to the server
        sdk.track("u-2", "Signed Up", message_id="only-once")
    sdk.flush()
    assert Event.objects.filter(idempotency_key="only-once").count() == 1


def test_an_anonymous_visitor_then_identified_is_one_contact(sdk):
    sdk.page(anonymous_id="anon-7", name="Shoes", properties={"path": "/shoes"})
    sdk.flush()
    sdk.identify("u-7", {"email": "ann@example.com"}, anonymous_id="anon-7")
    sdk.flush()
    contact = Contact.objects.get()
    assert (contact.external_id, contact.email) == ("u-7", "ann@example.com")
    assert contact.events.get().properties["path"] == "/shoes"


def test_events_from_the_sdks_start_journeys_like_any_other(sdk, marketer):
    graph = {
        "nodes": [
            {
                "id": "t",
                "type": "trigger",
                "config": {"kind": "event", "event": "Trial Started"},
                "position": {"x": 0, "y": 0},
            },
            {"id": "end", "type": "exit", "config": {}, "position": {"x": 0, "y": 120}},
        ],
        "edges": [{"id": "e", "source": "t", "sourceHandle": None, "target": "end"}],
    }
    journey = journey_create(name="Trial", graph=graph)
    journey_publish(journey=journey, user=marketer)
    sdk.track("u-3", "Trial Started", {"plan": "team"})
    sdk.flush()
    assert Enrollment.objects.filter(journey=journey, contact__external_id="u-3").exists()


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_a_wrong_write_key_is_reported_to_the_sdk_and_nothing_is_stored(name, live_server, transactional_db):
    errors: list[Exception] = []
    client = CLIENTS[name](
        write_key="wk_wrong_key", host=live_server.url, on_error=lambda e, b: errors.append(e), max_retries=0
    )
    client.track("u-4", "Signed Up")
    client.flush()
    client.join()
    assert errors
    assert getattr(errors[0], "status", None) == 401, errors
    assert not Event.objects.exists()
