"""Dry runs: the path a contact would take, with waits shown and emails rendered, and nothing done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ, Task

from contacts.models import (
    AudienceMember,
    Contact,
    ContactTag,
    DirtyContact,
    Event,
    SegmentChange,
    SegmentMembership,
    StageChange,
    Tag,
)
from contacts.services.contacts import contact_upsert
from contacts.services.events import event_record
from journeys import gallery
from journeys.dry_run import DryRunWrote, _refusing_writes, journey_dry_run
from journeys.executor import executor_drain
from journeys.models import Conversion, Enrollment, Nudge, OutboundMessage, Step, WebhookDelivery
from journeys.services import journey_create, journey_import, journey_publish

SIDE_EFFECT_TABLES = [
    Enrollment,
    Step,
    Nudge,
    Conversion,
    OutboundMessage,
    WebhookDelivery,
    AudienceMember,
    Event,
    Tag,
    ContactTag,
    StageChange,
    SegmentMembership,
    SegmentChange,
    DirtyContact,
    OrmQ,
    Task,
]


@pytest.fixture
def api(api_client, marketer):
    api_client.force_authenticate(marketer)
    return api_client


@pytest.fixture
def person(db, now):
    def make(address="kim@example.com", **data):
        contact, _created = contact_upsert(email=address, data=data, now=now)
        return contact

    return make


@pytest.fixture
def from_gallery(refs):
    def make(key):
        return journey_import(document=gallery.template(key).document)

    return make


@pytest.fixture
def dry_run(api, now):
    """``dry_run(journey, contact, **body)`` → the answer of the API, checked to be a 200."""

    def post(journey, contact, **body):
        response = api.post(
            f"/api/v1/journeys/{journey.pk}/dry-run/",
            {"contact": contact.pk, "now": now.isoformat(), **body},
            format="json",
        )
        assert response.status_code == 200, response.json()
        return response.json()

    return post


def _walked(result):
    return [(step["node_id"], step["outcome"], step["output"]) for step in result["path"]]


def test_the_welcome_series_sends_waits_two_days_and_reminds_someone_who_did_not_open(from_gallery, person, dry_run):
    kim = person(first_name="Kim")
    result = dry_run(from_gallery("welcome"), kim)
    assert _walked(result) == [
        ("trigger", "passed", "next"),
        ("welcome", "passed", "next"),
        ("wait", "would_wait", "next"),
        ("opened", "passed", "no"),
        ("reminder", "passed", "next"),
        ("end", "exit", ""),
    ]
    wait = result["path"][2]
    assert wait["due_at"] == "2026-11-25T12:00:00+00:00"
    assert result["path"][3]["at"] == "2026-11-25T12:00:00+00:00"
    email = result["path"][1]["email"]
    assert email["subject"] == "Kim, welcome to Flowbuilder Shop"
    assert (email["to"], email["would_send"]) == ("kim@example.com", True)
    assert "Thanks for signing up" in email["html"]
    assert result["ended"] == "exited"
    assert (result["started_at"], result["ended_at"]) == ("2026-11-23T12:00:00+00:00", "2026-11-25T12:00:00+00:00")
    assert result["trigger"] == {
        "node_id": "trigger",
        "kind": "event",
        "event": {"name": "signed_up", "properties": {}},
        "synthetic": True,
    }
    assert any("made one up" in warning for warning in result["warnings"])


def test_the_welcome_series_sends_the_tips_to_someone_who_opened_the_first_email(from_gallery, person, dry_run, now):
    kim = person()
    event_record(name="email_opened", contact=kim, properties={}, now=now, occurred_at=now)
    result = dry_run(from_gallery("welcome"), kim)
    assert [step["node_id"] for step in result["path"]] == ["trigger", "welcome", "wait", "opened", "tips", "end"]


def test_the_budget_journey_nurtures_small_budgets_and_hands_big_ones_to_sales(from_gallery, person, dry_run):
    journey, kim = from_gallery("lead-nurture"), person(first_name="Kim")
    small = dry_run(journey, kim, event={"name": "form_submitted", "properties": {"budget": 3000}})
    assert _walked(small) == [
        ("trigger", "passed", "next"),
        ("budget", "passed", "yes"),
        ("nurture1", "passed", "next"),
        ("wait", "would_wait", "next"),
        ("nurture2", "passed", "next"),
        ("end", "exit", ""),
    ]
    assert small["trigger"]["synthetic"] is False
    big = dry_run(journey, kim, event={"name": "form_submitted", "properties": {"budget": 8000}})
    assert _walked(big) == [
        ("trigger", "passed", "next"),
        ("budget", "passed", "no"),
        ("crm", "would_wait", "next"),
        ("sales", "passed", "next"),
        ("end", "exit", ""),
    ]
    crm, sales = big["path"][2], big["path"][3]
    assert crm["webhook"]["body"] == '{"email": "kim@example.com", "budget": 8000}'
    assert (crm["assumed"], big["assumed"]) == (True, {"crm": "next"})
    assert sales["notify"]["subject"] == "New lead: kim@example.com"
    assert sales["notify"]["body"] == "Kim asked for a budget of 8000. Please follow up today."


def test_an_unsubscribed_contacts_email_is_skipped_with_the_reason_and_still_rendered(from_gallery, person, dry_run):
    ann = person("ann@example.com", first_name="Ann", email_consent="unsubscribed")
    welcome = dry_run(from_gallery("welcome"), ann)["path"][1]
    assert (welcome["node_id"], welcome["outcome"], welcome["output"]) == ("welcome", "skipped", "next")
    assert "The contact unsubscribed from marketing email." in welcome["reason"]
    email = welcome["email"]
    assert (email["would_send"], email["skip_reason"]) == (False, "The contact unsubscribed from marketing email.")
    assert email["to"] == "ann@example.com"
    assert email["subject"] == "Ann, welcome to Flowbuilder Shop"
    assert "Thanks for signing up" in email["html"]


def test_a_send_window_pushes_the_email_across_the_dst_change_in_amsterdam(refs, build, person, dry_run):
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "days"}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        ("end", "exit", {}),
        edges=[("t", "wait"), ("wait", "mail"), ("mail", "end")],
    )
    window = {"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
    journey = journey_create(name="Weekdays", graph=graph, settings={"send_window": window})
    anne = person("anne@example.nl", timezone="Europe/Amsterdam")
    # Friday 23 October 2026, 17:30 in Amsterdam (summer time); clocks go back on Sunday the 25th.
    result = dry_run(journey, anne, now=datetime(2026, 10, 23, 15, 30, tzinfo=UTC).isoformat())
    wait, mail = result["path"][1], result["path"][2]
    assert wait["due_at"] == "2026-10-24T17:30:00+02:00"
    assert (mail["outcome"], mail["due_at"]) == ("would_wait", "2026-10-26T09:00:00+01:00")
    assert mail["email"]["would_send"] is True
    assert "Outside the send window" in mail["reason"]
    assert result["contact"]["timezone"] == "Europe/Amsterdam"


def test_the_frequency_cap_counts_the_dry_runs_own_emails(settings, refs, build, person, dry_run, now):
    settings.EMAIL_CAP_PER_CONTACT, settings.EMAIL_CAP_DAYS = 1, 7
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("first", "send_email", {"template": refs["welcome"].pk}),
        ("second", "send_email", {"template": refs["welcome"].pk}),
        ("third", "send_email", {"template": refs["welcome"].pk, "skip_if_capped": True}),
        edges=[("t", "first"), ("first", "second"), ("second", "third")],
    )
    result = dry_run(journey_create(name="Capped", graph=graph), person())
    first, second, third = result["path"][1:]
    assert first["outcome"] == "passed"
    assert (second["outcome"], second["due_at"]) == ("would_wait", (now + timedelta(days=7)).isoformat())
    assert "Over the frequency cap" in second["reason"]
    assert (third["outcome"], third["email"]["would_send"]) == ("skipped", False)
    assert "frequency cap" in third["email"]["skip_reason"]
    assert result["ended"] == "completed"


def test_a_wait_for_an_event_times_out_by_default_and_takes_the_event_branch_when_told(
    api, from_gallery, person, dry_run, now
):
    journey, kim = from_gallery("cart-abandonment"), person()
    default = dry_run(journey, kim)
    assert _walked(default) == [
        ("trigger", "passed", "next"),
        ("wait", "would_wait", "timeout"),
        ("reminder", "passed", "next"),
        ("end", "exit", ""),
    ]
    assert default["path"][1]["due_at"] == (now + timedelta(hours=1)).isoformat()
    assert default["assumed"] == {"wait": "timeout"}
    bought = dry_run(journey, kim, assume={"wait": "event"})
    assert _walked(bought) == [("trigger", "passed", "next"), ("wait", "would_wait", "event"), ("bought", "exit", "")]
    assert (bought["exit_reason"], bought["ended_at"]) == ("goal", now.isoformat())
    refused = api.post(
        f"/api/v1/journeys/{journey.pk}/dry-run/", {"contact": kim.pk, "assume": {"reminder": "next"}}, format="json"
    )
    assert refused.status_code == 400
    assert "assume.reminder" in refused.json()["error"]["fields"]


@pytest.fixture
def every_step(refs, build):
    """A draft with one step of every type, whose condition holds only after its update step."""
    rule = {
        "all": [
            {"type": "tag", "op": "has", "value": "vip"},
            {"type": "attribute", "field": "plan", "op": "eq", "value": "pro"},
            {"type": "stage", "op": "in", "value": ["customer"]},
        ]
    }
    branches = [{"key": "a", "label": "A", "percent": 50}, {"key": "b", "label": "B", "percent": 50}]
    graph = build(
        ("t", "trigger", {"kind": "event", "event": "signed_up"}),
        ("update", "update_contact", {"add_tags": ["vip"], "set_attributes": {"plan": "pro"}, "stage": "customer"}),
        ("vip", "condition", {"rule": rule}),
        ("add", "add_to_audience", {"audience": refs["audience"].pk}),
        ("split", "split", {"branches": branches}),
        ("mail", "send_email", {"template": refs["welcome"].pk}),
        (
            "hook",
            "webhook",
            {"url": "https://crm.example.com/vip", "body": '{"plan": "{{ contact.attributes.plan }}"}'},
        ),
        ("note", "notify", {"to": ["sales@example.com"], "subject": "VIP {{ contact.email }}", "body": "Call them."}),
        ("remove", "remove_from_audience", {"audience": refs["audience"].pk}),
        ("w", "wait", {"mode": "event", "event": "order_completed", "timeout_amount": 2, "timeout_unit": "days"}),
        ("end", "exit", {}),
        edges=[
            ("t", "update"),
            ("update", "vip"),
            ("vip", "yes", "add"),
            ("vip", "no", "end"),
            ("add", "split"),
            ("split", "a", "mail"),
            ("split", "b", "mail"),
            ("mail", "hook"),
            ("hook", "next", "note"),
            ("hook", "failed", "end"),
            ("note", "remove"),
            ("remove", "w"),
            ("w", "event", "end"),
            ("w", "timeout", "end"),
        ],
    )
    return journey_create(name="Every step", graph=graph)


def test_an_update_changes_a_copy_of_the_contact_that_later_steps_see(every_step, person, dry_run):
    kim = person()
    result = dry_run(every_step, kim)
    assert [step["node_id"] for step in result["path"]] == [
        "t",
        "update",
        "vip",
        "add",
        "split",
        "mail",
        "hook",
        "note",
        "remove",
        "w",
        "end",
    ]
    update, vip, hook = result["path"][1], result["path"][2], result["path"][6]
    assert "nothing is saved" in update["reason"]
    assert vip["output"] == "yes"
    assert hook["webhook"]["body"] == '{"plan": "pro"}'
    kim.refresh_from_db()
    assert (kim.attributes, kim.stage, list(kim.tags.all())) == ({}, None, [])


def test_a_dry_run_writes_nothing_and_queues_nothing(
    every_step, person, dry_run, django_capture_on_commit_callbacks, now
):
    kim = person(first_name="Kim")
    before = {model.__name__: model.objects.count() for model in SIDE_EFFECT_TABLES}
    contact_before = Contact.objects.filter(pk=kim.pk).values().get()
    with django_capture_on_commit_callbacks() as callbacks:
        dry_run(every_step, kim)
        with CaptureQueriesContext(connection) as queries:
            journey_dry_run(journey=every_step, contact=kim, now=now)
    assert callbacks == []
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().split()[0].upper() != "SELECT"]
    assert writes == []
    assert {model.__name__: model.objects.count() for model in SIDE_EFFECT_TABLES} == before
    assert Contact.objects.filter(pk=kim.pk).values().get() == contact_before


def test_a_write_during_a_dry_run_is_refused_before_it_reaches_the_database(person):
    kim = person()
    with _refusing_writes(), pytest.raises(DryRunWrote), transaction.atomic():
        Contact.objects.filter(pk=kim.pk).update(first_name="Changed")
    kim.refresh_from_db()
    assert kim.first_name == ""


def test_the_dry_run_takes_the_path_the_executor_takes(from_gallery, person, dry_run, now):
    journey, kim = from_gallery("welcome"), person()
    planned = dry_run(journey, kim)
    journey_publish(journey=journey, now=now)
    event_record(name="signed_up", contact=kim, properties={}, now=now, occurred_at=now)
    executor_drain(now=now)
    executor_drain(now=now + timedelta(days=2))
    taken = list(Step.objects.filter(enrollment__contact=kim).order_by("seq").values_list("node_id", "output"))
    assert taken == [(step["node_id"], step["output"]) for step in planned["path"]]


def test_a_published_version_can_be_dry_run_by_number(from_gallery, person, dry_run, api, now):
    journey, kim = from_gallery("welcome"), person()
    journey_publish(journey=journey, now=now)
    assert dry_run(journey, kim, version=1)["version"] == 1
    missing = api.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {"contact": kim.pk, "version": 7}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"]["version"] == ["This journey has no version 7."]


def test_a_draft_that_does_not_validate_is_refused_with_the_validators_errors(api, build, person):
    graph = build(("t", "trigger", {"kind": "event"}), ("end", "exit", {}), edges=[("t", "end")])
    journey = journey_create(name="Unfinished", graph=graph)
    response = api.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {"contact": person().pk}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {
        "code": "invalid_config",
        "message": "This field is required for this kind of trigger.",
        "node_id": "t",
        "edge_id": None,
        "field": "config.event",
    } in error["errors"]
    assert error["fields"]["graph.nodes[t].config.event"] == ["This field is required for this kind of trigger."]


def test_an_unknown_contact_is_refused_with_a_clear_message(api, from_gallery):
    journey = from_gallery("welcome")
    by_id = api.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {"contact": 999_999}, format="json")
    assert by_id.status_code == 400
    assert by_id.json()["error"]["fields"] == {"contact": ["There is no contact with the id 999999."]}
    by_email = api.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {"email": "Nobody@Example.com"}, format="json")
    assert by_email.json()["error"]["fields"] == {"email": ["There is no contact with the address nobody@example.com."]}
    neither = api.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {}, format="json")
    assert "contact" in neither.json()["error"]["fields"]


def test_a_contact_can_be_named_by_email_address(api, from_gallery, person):
    kim = person()
    journey = from_gallery("welcome")
    response = api.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {"email": "KIM@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["contact"]["id"] == kim.pk


def test_viewers_may_dry_run_because_it_changes_nothing(api_client, viewer, from_gallery, person):
    journey, kim = from_gallery("welcome"), person()
    api_client.force_authenticate(viewer)
    response = api_client.post(f"/api/v1/journeys/{journey.pk}/dry-run/", {"contact": kim.pk}, format="json")
    assert response.status_code == 200
