"""The per-contact trace: GET /api/v1/contacts/{id}/journeys/ and the selector behind it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.emails.sender import messages_send
from journeys.emails.services.feedback import message_opened
from journeys.entries import journey_enroll
from journeys.models import OutboundMessage
from journeys.selectors import contact_journeys
from journeys.services import journey_publish, journey_update


@pytest.fixture
def api(api_client, viewer):
    api_client.force_authenticate(viewer)  # reading the trace needs no more than a viewer
    return api_client


@pytest.fixture
def manual(build, publish):
    graph = build(("t", "trigger", {"kind": "manual"}), ("end", "exit", {}), edges=[("t", "end")])
    return publish(graph, name="Sales follow-up")


def trace_of(api, contact):
    response = api.get(f"/api/v1/contacts/{contact.pk}/journeys/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_trace_shows_each_step_the_emails_with_opens_and_the_goal(api, welcome_series, person, happen, run, now):
    kim = person("kim@example.com", first_name="Kim")
    happen(kim, "signed_up")
    run()
    messages_send(now=now)
    message_opened(message=OutboundMessage.objects.get(node_id="mail"), now=now + timedelta(hours=1))
    run(timedelta(days=2))
    happen(kim, "order_completed", {"revenue": 49.9}, at=now + timedelta(days=3))

    trace = trace_of(api, kim)
    assert trace["more"] is False
    [item] = trace["results"]
    assert item["journey"] == {"id": welcome_series.pk, "name": "Welcome series", "status": "active"}
    assert (item["version"], item["state"], item["state_label"]) == (1, "completed", "Completed")
    assert item["current_node"] == {"id": "end", "kind": "exit", "label": "Exit"}
    assert item["exit_reason"] == "end"
    assert item["trigger"]["event"] == "signed_up"
    assert item["steps_total"] == 6
    assert [(s["seq"], s["node"]["id"], s["outcome"], s["output"], s["output_label"]) for s in item["steps"]] == [
        (1, "t", "passed", "next", ""),
        (2, "mail", "passed", "next", ""),
        (3, "wait", "passed", "next", ""),
        (4, "opened", "passed", "yes", "Yes"),
        (5, "tips", "passed", "next", ""),
        (6, "end", "passed", "", ""),
    ]
    assert item["steps"][1]["node"] == {"id": "mail", "kind": "send_email", "label": "Welcome mail"}
    assert item["steps"][3]["node"]["label"] == "Opened the welcome?"
    welcome_email, tips_email = item["emails"]
    assert (welcome_email["seq"], welcome_email["subject"]) == (2, "Kim, welcome to Flowbuilder Shop")
    assert (welcome_email["status"], welcome_email["sent_at"] is not None) == ("sent", True)
    assert welcome_email["opened_at"].startswith("2026-11-23T13:00")
    assert welcome_email["clicked_at"] is None
    assert (tips_email["seq"], tips_email["status"]) == (5, "queued")
    assert tips_email["subject"] == "Three tips to get started"
    assert item["conversion"]["event"] == "order_completed"
    assert item["conversion"]["email_node_id"] == "mail"


def test_a_skipped_email_says_why_and_the_contact_goes_on(api, welcome_series, person, happen, run):
    ann = person("ann@example.com", email_consent="unsubscribed")
    happen(ann, "signed_up")
    run()
    [item] = trace_of(api, ann)["results"]
    mail = item["steps"][1]
    assert (mail["node"]["id"], mail["outcome"], mail["outcome_label"]) == ("mail", "skipped", "Skipped")
    assert "unsubscribed" in mail["reason"]
    assert item["current_node"]["id"] == "wait"
    assert item["state"] == "active"
    assert item["due_at"].startswith("2026-11-25T12:00")
    [email] = item["emails"]  # recorded as not sent, with the same reason
    assert (email["seq"], email["status"], email["skip_reason"]) == (2, "skipped", mail["reason"])


def test_an_exit_rule_shows_where_and_why_the_contact_left(api, refs, build, publish, person, happen, run, now):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "cart_abandoned"}),
        ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        edges=[("t", "wait"), ("wait", "mail")],
    )
    publish(graph, settings={"exit_rules": [{"kind": "event", "event": "order_completed"}]})
    kim = person()
    happen(kim, "cart_abandoned")
    run()
    happen(kim, "order_completed", at=now + timedelta(minutes=20))
    run(timedelta(minutes=20))
    [item] = trace_of(api, kim)["results"]
    assert item["state"] == "exited"
    assert item["exit_reason"] == "Left when order_completed happened (exit rule)."
    assert item["steps"][-1]["node"]["id"] == "wait"
    assert item["steps"][-1]["outcome"] == "exited"
    assert item["finished_at"].startswith("2026-11-23T12:20")


def test_enrollments_are_listed_newest_first(api, welcome_series, manual, person, happen, run, now):
    kim = person()
    happen(kim, "signed_up")
    journey_enroll(journey=manual, contact_ids=[kim.pk], now=now + timedelta(days=1))
    run(timedelta(days=1))
    names = [item["journey"]["name"] for item in trace_of(api, kim)["results"]]
    assert names == ["Sales follow-up", "Welcome series"]


def test_names_come_from_the_version_the_contact_is_pinned_to(api, welcome_series, person, happen, run, now):
    kim, bo = person("kim@example.com"), person("bo@example.com")
    happen(kim, "signed_up")
    run()
    graph = welcome_series.draft_graph
    graph["nodes"][1]["label"] = "Hello mail"
    journey_update(journey=welcome_series, graph=graph)
    journey_publish(journey=welcome_series, now=now + timedelta(hours=1))
    happen(bo, "signed_up", at=now + timedelta(hours=1))
    run(timedelta(hours=1))
    kims, bos = trace_of(api, kim)["results"][0], trace_of(api, bo)["results"][0]
    assert (kims["version"], kims["steps"][1]["node"]["label"]) == (1, "Welcome mail")
    assert (bos["version"], bos["steps"][1]["node"]["label"]) == (2, "Hello mail")


def test_a_contact_in_no_journey_has_an_empty_trace(api, person):
    assert trace_of(api, person()) == {"results": [], "more": False}


def test_an_unknown_contact_is_a_404(api, db):
    response = api.get("/api/v1/contacts/424242/journeys/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_selector_lists_the_latest_enrollments_and_steps_and_says_there_are_more(
    welcome_series, manual, person, happen, run, now
):
    kim = person()
    happen(kim, "signed_up")
    journey_enroll(journey=manual, contact_ids=[kim.pk], now=now + timedelta(minutes=1))
    run(timedelta(minutes=1))
    trace = contact_journeys(contact_id=kim.pk, limit=1, steps_limit=1)
    assert trace.more is True
    [latest] = trace.enrollments
    assert latest.journey_name == "Sales follow-up"
    assert [s.node.id for s in latest.steps] == ["end"]  # the latest step, of two
    assert (latest.steps_total, latest.steps_more) == (2, True)
    assert contact_journeys(contact_id=kim.pk).more is False


def _enroll_in_new_journeys(build, publish, contact, count, now):
    for index in range(count):
        graph = build(
            ("t", "trigger", {"kind": "manual"}),
            ("c", "condition", {"rule": {"type": "event", "name": "signed_up"}}),
            ("end", "exit", {}),
            edges=[("t", "c"), ("c", "yes", "end"), ("c", "no", "end")],
        )
        journey_enroll(journey=publish(graph, name=f"Journey {index}"), contact_ids=[contact.pk], now=now)


def test_the_trace_reads_in_the_same_few_queries_however_many_enrollments(
    api, build, publish, person, run, now, django_assert_max_num_queries
):
    kim = person()
    _enroll_in_new_journeys(build, publish, kim, 1, now)
    run()
    api.get(f"/api/v1/contacts/{kim.pk}/journeys/")  # warm up: the viewer's role
    with CaptureQueriesContext(connection) as one:
        trace_of(api, kim)
    _enroll_in_new_journeys(build, publish, kim, 6, now)
    run()
    with django_assert_max_num_queries(len(one.captured_queries)):
        trace = trace_of(api, kim)
    assert len(trace["results"]) == 7
    assert all(len(item["steps"]) == 3 for item in trace["results"])
    assert len(one.captured_queries) <= 8
