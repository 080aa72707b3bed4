"""Live per-node counts: what they say after real executor runs, and how the canvas gets them
over its WebSocket (who may connect, the first message, and coalescing bursts of changes)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.urls import path

from flowbuilder.accounts.roles import Role
from journeys.consumers import JourneyLiveConsumer
from journeys.emails import sender
from journeys.emails.services.feedback import message_clicked, message_opened
from journeys.live import group_name, journey_live_counts, live_counts_changed, live_counts_message
from journeys.models import Enrollment, OutboundMessage

INTERVAL = 0.3  # seconds between reads in these tests (1 s in production)


@pytest.fixture
def graph(build, refs):
    return build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("wait", "wait", {"mode": "duration", "amount": 2, "unit": "days"}),
        ("opened", "condition", {"rule": {"type": "event", "name": "email_opened", "within_days": 3}}),
        ("end", "exit", {}),
        edges=[("t", "mail"), ("mail", "wait"), ("wait", "opened"), ("opened", "yes", "end"), ("opened", "no", "end")],
    )


@pytest.fixture
def journey(publish, graph):
    return publish(graph, settings={"exit_rules": [{"kind": "event", "event": "order_completed"}]})


@pytest.fixture
def ws(db, monkeypatch):
    """Consumers reach the database through channels' ``database_sync_to_async``, which closes
    "old" connections around every call; inside a test's transaction that would close the test's
    own connection. Django's test client keeps its request signals from doing the same."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def _consumer(interval=INTERVAL):
    return URLRouter([path("ws/journeys/<int:journey_id>/live/", JourneyLiveConsumer.as_asgi(interval=interval))])


def _follow(journey_id, user, *, interval=INTERVAL):
    communicator = WebsocketCommunicator(_consumer(interval), f"/ws/journeys/{journey_id}/live/")
    communicator.scope["user"] = user
    return communicator


def _through_the_server(journey_id, *, cookie=None, origin="http://testserver"):
    """A connection through the real ASGI application: origin check, session cookie, routing."""
    from flowbuilder.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/journeys/{journey_id}/live/", headers=headers)


def _session_of(client, user):
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# --- the counts ---------------------------------------------------------------------------------


def test_the_counts_follow_contacts_through_the_journey(journey, person, happen, run, now):
    kim, lee, max_ = person("kim@example.com"), person("lee@example.com"), person("max@example.com")
    ann = person("ann@example.com", email_consent="unsubscribed")
    for contact in (kim, lee, ann, max_):
        happen(contact, "signed_up")
    run()
    counts = journey_live_counts(journey=journey, now=now)
    assert counts["wait"]["waiting"] == 4
    assert counts["t"]["passed"] == 4
    assert counts["mail"]["passed"] == 4
    ((reason, skipped),) = counts["mail"]["skipped"].items()
    assert skipped == 1
    assert "unsubscribed" in reason
    assert counts["mail"]["email"] == {"sent": 0, "opened": 0, "clicked": 0}  # queued, not yet sent

    sender.messages_send(now=now)
    to_kim = OutboundMessage.objects.get(contact=kim)
    message_opened(message=to_kim, now=now + timedelta(minutes=5))
    message_clicked(message=to_kim, index=0, now=now + timedelta(minutes=6))
    happen(max_, "order_completed", at=now + timedelta(hours=1))
    run(timedelta(hours=1))
    run(timedelta(days=2))

    counts = journey_live_counts(journey=journey, now=now + timedelta(days=2))
    assert counts["mail"]["email"] == {"sent": 3, "opened": 1, "clicked": 1}
    assert counts["wait"] | {"outputs": None} == {
        "waiting": 0,
        "stuck": 0,
        "retrying": 0,
        "passed": 3,
        "outputs": None,
        "skipped": {},
        "exited": 1,
        "failed": 0,
    }
    assert counts["opened"]["outputs"] == {"yes": 1, "no": 2}
    assert counts["end"]["passed"] == 3
    assert sum(c["waiting"] for c in counts.values()) == 0


def test_every_node_of_the_live_version_is_counted_even_before_anyone_came_by(journey, now):
    counts = journey_live_counts(journey=journey, now=now)
    assert set(counts) == {"t", "mail", "wait", "opened", "end"}
    assert counts["opened"]["waiting"] == 0
    assert "email" in counts["mail"]
    assert "email" not in counts["wait"]


def test_the_counts_take_four_queries_however_many_contacts_and_nodes(
    journey, person, happen, run, now, django_assert_num_queries
):
    for n in range(5):
        happen(person(f"p{n}@example.com"), "signed_up")
    run()
    with django_assert_num_queries(4):  # waiting, step log, sent, opened and clicked; the plan is cached
        journey_live_counts(journey=journey, now=now)


def test_contacts_overdue_at_a_node_count_as_stuck_there_while_the_journey_runs(journey, person, happen, now):
    happen(person(), "signed_up")  # enrolled at the trigger, due now, and no executor ran
    assert journey_live_counts(journey=journey, now=now + timedelta(minutes=10))["t"]["stuck"] == 0
    assert journey_live_counts(journey=journey, now=now + timedelta(minutes=20))["t"]["stuck"] == 1
    journey.status = "paused"
    journey.save()
    assert journey_live_counts(journey=journey, now=now + timedelta(minutes=20))["t"]["stuck"] == 0


def test_contacts_whose_step_failed_count_as_retrying_at_that_node(journey, person, happen, run, now):
    happen(person(), "signed_up")
    run()
    # What the executor leaves after a step raised once: an attempt counted, due after backoff.
    Enrollment.objects.update(attempts=1, last_error="TimeoutError", due_at=now + timedelta(minutes=1))
    counts = journey_live_counts(journey=journey, now=now)
    assert (counts["wait"]["waiting"], counts["wait"]["retrying"], counts["wait"]["stuck"]) == (1, 1, 0)


# --- polling them (the canvas without a socket) -------------------------------------------------------


def test_the_canvas_can_poll_the_message_its_socket_would_send(journey, person, happen, run, api_client, viewer):
    for contact in (person("kim@example.com"), person("lee@example.com")):
        happen(contact, "signed_up")
    run()
    api_client.force_authenticate(viewer)  # any role may read them
    response = api_client.get(f"/api/v1/journeys/{journey.pk}/live/")
    assert response.status_code == 200
    body = response.json()
    assert body | {"at": None} == live_counts_message(journey_id=journey.pk) | {"at": None}
    assert (body["type"], body["journey"]) == ("counts", journey.pk)
    assert body["nodes"]["wait"]["waiting"] == 2
    assert body["nodes"]["mail"]["email"] == {"sent": 0, "opened": 0, "clicked": 0}


def test_polling_the_counts_of_an_unknown_journey_is_a_404(api_client, viewer):
    api_client.force_authenticate(viewer)
    response = api_client.get("/api/v1/journeys/999/live/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_polling_the_counts_needs_a_role(api_client, make_user, journey):
    assert api_client.get(f"/api/v1/journeys/{journey.pk}/live/").status_code in (401, 403)
    api_client.force_authenticate(make_user(None))
    assert api_client.get(f"/api/v1/journeys/{journey.pk}/live/").status_code == 403


# --- telling subscribers ------------------------------------------------------------------------------


def test_a_journey_is_told_once_until_someone_reads_its_counts(journey, now):
    layer = get_channel_layer()
    live_counts_message(journey_id=journey.pk)  # nobody has read: a mark from before is gone

    async def listen():
        channel = await layer.new_channel()
        await layer.group_add(group_name(journey.pk), channel)

        async def told():
            try:
                return await asyncio.wait_for(layer.receive(channel), 0.3)
            except TimeoutError:
                return None

        for _batch in range(100):
            await sync_to_async(live_counts_changed)([journey.pk])
        first, second = await told(), await told()
        await sync_to_async(live_counts_message)(journey_id=journey.pk)
        await sync_to_async(live_counts_changed)([journey.pk])
        third = await told()
        await layer.group_discard(group_name(journey.pk), channel)
        return first, second, third

    first, second, third = async_to_sync(listen)()
    assert first == {"type": "counts.changed"}
    assert second is None  # 99 changes not told: nobody had read the counts since the first
    assert third == {"type": "counts.changed"}


# --- the WebSocket ---------------------------------------------------------------------------------------


def _turned_away(opening):
    """Open the socket ``opening()`` makes: (whether it was accepted, what it then received)."""

    async def scenario():
        communicator = opening()
        connected, _ = await communicator.connect()
        closed = await communicator.receive_output()
        await communicator.disconnect()
        return connected, closed

    return async_to_sync(scenario)()


def test_an_anonymous_visitor_is_turned_away_with_4401(ws, journey):
    connected, closed = _turned_away(lambda: _through_the_server(journey.pk))
    assert connected
    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_user_without_a_role_is_turned_away_with_4403(ws, journey, make_user, client):
    cookie = _session_of(client, make_user(None))
    _connected, closed = _turned_away(lambda: _through_the_server(journey.pk, cookie=cookie))
    assert closed == {"type": "websocket.close", "code": 4403}


def test_an_unknown_journey_is_refused_with_4404(ws, viewer):
    _connected, closed = _turned_away(lambda: _follow(987654, viewer))
    assert closed == {"type": "websocket.close", "code": 4404}


def test_a_page_from_another_site_cannot_open_the_socket(ws, journey, viewer, client):
    cookie = _session_of(client, viewer)

    async def scenario():
        communicator = _through_the_server(journey.pk, cookie=cookie, origin="https://evil.example.com")
        connected, _code = await communicator.connect()
        return connected

    assert async_to_sync(scenario)() is False


def test_a_viewer_gets_the_counts_as_soon_as_they_connect(ws, journey, viewer, client, person, happen, run):
    happen(person(), "signed_up")
    run()
    cookie = _session_of(client, viewer)

    async def scenario():
        communicator = _through_the_server(journey.pk, cookie=cookie)
        connected, _ = await communicator.connect()
        message = await communicator.receive_json_from()
        await communicator.disconnect()
        return connected, message

    connected, message = async_to_sync(scenario)()
    assert connected
    assert message["type"] == "counts"
    assert message["journey"] == journey.pk
    assert message["nodes"]["wait"]["waiting"] == 1
    assert message["nodes"]["mail"]["passed"] == 1


def test_a_burst_of_changes_gives_one_message_at_once_and_one_with_the_final_state_at_the_end(
    ws, journey, viewer, person, happen, run
):
    layer = get_channel_layer()
    happen(person("kim@example.com"), "signed_up")
    run()

    def another_contact_arrives():
        happen(person("lee@example.com"), "signed_up")
        run()

    async def scenario():
        communicator = _follow(journey.pk, viewer)
        await communicator.connect()
        initial = await communicator.receive_json_from()
        await asyncio.sleep(INTERVAL * 1.2)  # the interval after the first message has passed
        await layer.group_send(group_name(journey.pk), {"type": "counts.changed"})
        started = time.monotonic()
        at_once = await communicator.receive_json_from(timeout=INTERVAL)
        at_once_after = time.monotonic() - started
        await sync_to_async(another_contact_arrives)()
        for _change in range(99):
            await layer.group_send(group_name(journey.pk), {"type": "counts.changed"})
        final = await communicator.receive_json_from(timeout=3 * INTERVAL)
        final_after = time.monotonic() - started
        quiet = await communicator.receive_nothing(timeout=2 * INTERVAL)
        await communicator.disconnect()
        return initial, at_once, at_once_after, final, final_after, quiet

    initial, at_once, at_once_after, final, final_after, quiet = async_to_sync(scenario)()
    assert initial["nodes"]["wait"]["waiting"] == 1
    assert at_once["nodes"]["wait"]["waiting"] == 1
    assert at_once_after < INTERVAL / 2
    assert final["nodes"]["wait"]["waiting"] == 2  # the state after the last change
    assert final_after >= INTERVAL * 0.9  # at the end of the interval, not before
    assert quiet  # 100 changes, two messages


def test_an_executor_run_reaches_an_open_canvas(
    ws, journey, viewer, person, happen, run, django_capture_on_commit_callbacks
):
    def a_contact_signs_up_and_the_executor_runs():
        with django_capture_on_commit_callbacks(execute=True):
            happen(person(), "signed_up")
            run()

    async def scenario():
        communicator = _follow(journey.pk, viewer)
        await communicator.connect()
        before = await communicator.receive_json_from()
        await sync_to_async(a_contact_signs_up_and_the_executor_runs)()
        after = await communicator.receive_json_from(timeout=3 * INTERVAL)
        await communicator.disconnect()
        return before, after

    before, after = async_to_sync(scenario)()
    assert before["nodes"]["wait"]["waiting"] == 0
    assert after["nodes"]["wait"]["waiting"] == 1


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MARKETER, Role.ADMIN])
def test_every_role_may_follow_a_journey(ws, journey, make_user, role):
    user = make_user(role)

    async def scenario():
        communicator = _follow(journey.pk, user)
        await communicator.connect()
        message = await communicator.receive_json_from()
        await communicator.disconnect()
        return message

    assert async_to_sync(scenario)()["type"] == "counts"
