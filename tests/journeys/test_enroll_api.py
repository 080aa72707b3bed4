"""Enrolling contacts by hand through the API: POST /api/v1/journeys/{id}/enroll/."""

from __future__ import annotations

import pytest
import time_machine

from contacts.models import Segment
from contacts.services.segments import segment_save, static_segment_change
from flowbuilder.accounts.roles import Role
from journeys import services
from journeys.executor import drain_schedule
from journeys.models import Enrollment, Journey
from journeys.services import journey_set_status


@pytest.fixture
def api(api_client, marketer, now):
    api_client.force_authenticate(marketer)
    # The API enrolls at the clock's time; the executor is then run at that same ``now``.
    with time_machine.travel(now, tick=False):
        yield api_client


@pytest.fixture
def journey(build, publish):
    graph = build(
        ("t", "trigger", {"kind": "manual"}),
        ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "days"}),
        ("end", "exit", {}),
        edges=[("t", "wait"), ("wait", "end")],
    )
    return publish(graph, name="Onboarding call")


@pytest.fixture
def people(person):
    return [person(f"p{index}@example.com") for index in range(3)]


def enroll(api, journey, body):
    return api.post(f"/api/v1/journeys/{journey.pk}/enroll/", body, format="json")


def test_a_marketer_enrolls_contacts_by_id_and_their_first_steps_run_after_commit(
    api, journey, people, run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = enroll(api, journey, {"contact_ids": [p.pk for p in people]})
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "enrolled": 3,
        "refused": 0,
        "refused_reasons": {},
        "unknown": 0,
        "unknown_contact_ids": [],
    }
    assert drain_schedule in callbacks
    run()
    assert set(Enrollment.objects.filter(journey=journey).values_list("node_id", "state")) == {("wait", "active")}


def test_a_retried_request_with_the_same_key_enrolls_nobody_twice(api, build, publish, people):
    graph = build(("t", "trigger", {"kind": "manual"}), ("end", "exit", {}), edges=[("t", "end")])
    journey = publish(graph, settings={"entry": {"reentry": "concurrent", "limit": 3}})
    body = {"contact_ids": [people[0].pk], "request_key": "crm-sync-41"}
    assert enroll(api, journey, body).json()["enrolled"] == 1
    retry = enroll(api, journey, body).json()
    assert (retry["enrolled"], retry["refused_reasons"]) == (0, {"duplicate": 1})
    assert enroll(api, journey, {**body, "request_key": "crm-sync-42"}).json()["enrolled"] == 1
    assert Enrollment.objects.filter(journey=journey).count() == 2


def test_contacts_the_entry_rules_refuse_are_counted_by_reason(api, journey, people):
    enroll(api, journey, {"contact_ids": [people[0].pk]})
    answer = enroll(api, journey, {"contact_ids": [p.pk for p in people]}).json()
    assert answer["enrolled"] == 2
    assert answer["refused"] == 1
    assert answer["refused_reasons"] == {"already_entered": 1}


def test_unknown_ids_are_reported_and_the_others_enrolled(api, journey, people):
    missing = people[-1].pk + 100
    answer = enroll(api, journey, {"contact_ids": [people[0].pk, missing, people[0].pk]}).json()
    assert (answer["enrolled"], answer["unknown"], answer["unknown_contact_ids"]) == (1, 1, [missing])


def test_a_segment_enrolls_its_current_members(api, journey, people, now):
    segment = segment_save(name="Call list", kind=Segment.Kind.STATIC, now=now)
    static_segment_change(segment=segment, add=[people[0].pk, people[2].pk], now=now)
    answer = enroll(api, journey, {"segment": segment.pk, "request_key": "call-list-1"}).json()
    assert answer["enrolled"] == 2
    assert set(Enrollment.objects.values_list("contact_id", flat=True)) == {people[0].pk, people[2].pk}


def test_an_empty_segment_enrolls_nobody_and_is_not_an_error(api, journey, now):
    segment = segment_save(name="Nobody yet", kind=Segment.Kind.STATIC, now=now)
    response = enroll(api, journey, {"segment": segment.pk})
    assert response.status_code == 200
    assert response.json()["enrolled"] == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "", "Give contact_ids (a list of contact ids) or segment (a segment id)."),
        ({"contact_ids": [1], "segment": 1}, "", "Give contact_ids or segment, not both."),
        ({"contact_ids": 7}, "contact_ids", "Expected a list of contact ids."),
        ({"contact_ids": ["7"]}, "contact_ids", "Expected a list of contact ids."),
        ({"contact_ids": [True]}, "contact_ids", "Expected a list of contact ids."),
        ({"contact_ids": []}, "contact_ids", "Give at least one contact id."),
        ({"contact_ids": [99998, 99999]}, "contact_ids", "No contact has these ids: 99998, 99999."),
        ({"segment": "vip"}, "segment", "Expected a segment id."),
        ({"segment": 424242}, "segment", "There is no segment with the id 424242."),
        ({"contact_ids": [1], "request_key": ""}, "request_key", "Expected a text of 1 to 100 characters."),
        ({"contact_ids": [1], "request_key": "k" * 101}, "request_key", "Expected a text of 1 to 100 characters."),
        ({"contact_ids": [1], "contacts": [2]}, "contacts", "Unknown field."),
    ],
)
def test_bad_input_is_a_400_that_names_the_problem_and_enrolls_nobody(api, journey, body, field, message):
    response = enroll(api, journey, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    if field:
        assert error["fields"][field] == [message]
    else:
        assert error["message"] == message
    assert not Enrollment.objects.exists()


def test_more_than_ten_thousand_contacts_are_refused(api, journey):
    response = enroll(api, journey, {"contact_ids": list(range(1, 10_002))})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["contact_ids"] == [
        "At most 10,000 contacts can be enrolled at once; this request has 10,001."
    ]


def test_a_segment_larger_than_the_limit_is_refused(api, journey, people, now, monkeypatch):
    monkeypatch.setattr(services, "ENROLL_LIMIT", 2)
    segment = segment_save(name="Everyone", kind=Segment.Kind.STATIC, now=now)
    static_segment_change(segment=segment, add=[p.pk for p in people], now=now)
    response = enroll(api, journey, {"segment": segment.pk})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["segment"] == [
        "The segment has 3 members; at most 2 can be enrolled at once."
    ]
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (None, "This journey is not published yet. Publish it before enrolling contacts."),
        ("pause", "This journey is paused. Resume it before enrolling contacts."),
        ("archive", "This journey is archived and takes no more contacts."),
    ],
)
def test_only_an_active_journey_takes_contacts(api, build, journey, people, action, message):
    if action is None:
        target = Journey.objects.create(name="Draft", draft_graph=build(("t", "trigger", {"kind": "manual"})))
    else:
        target = journey_set_status(journey=journey, action=action)
    response = enroll(api, target, {"contact_ids": [people[0].pk]})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message
    assert not Enrollment.objects.exists()


def test_an_unknown_journey_is_a_404(api, people):
    response = api.post("/api/v1/journeys/424242/enroll/", {"contact_ids": [people[0].pk]}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_viewers_may_not_enroll_but_admins_may(api_client, make_user, journey, people, now):
    api_client.force_authenticate(make_user(Role.VIEWER))
    body = {"contact_ids": [people[0].pk]}
    refused = enroll(api_client, journey, body)
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "permission_denied",
        "message": "This needs the Marketer role; you are Viewer.",
        "fields": {},
    }
    assert not Enrollment.objects.exists()
    api_client.force_authenticate(make_user(Role.ADMIN))
    with time_machine.travel(now, tick=False):
        assert enroll(api_client, journey, body).json()["enrolled"] == 1


def test_anonymous_clients_are_asked_to_authenticate(api_client, journey, people):
    response = enroll(api_client, journey, {"contact_ids": [people[0].pk]})
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"
