"""Who is at a step of the canvas: the contacts waiting there, those who passed it and those whose
journey ended there, a page at a time (``journeys.selectors.node_contacts`` and its API)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from journeys.models import Enrollment
from journeys.selectors import node_contacts

HOUR = timedelta(hours=1)


@pytest.fixture
def journey(signup_journey):
    """signed_up → the Welcome email → wait 2 days → end; closing the account takes a contact out."""
    return signup_journey


@pytest.fixture
def api(api_client, viewer):
    api_client.force_authenticate(viewer)
    return api_client


@pytest.fixture
def people(journey, person, happen, run, now):
    """Kim, Lee and Ann (unsubscribed: her email is skipped) sign up an hour apart and wait; Lee
    then closes his account and leaves the journey at the wait."""
    kim = person("kim@example.com", first_name="Kim", last_name="Lindqvist")
    lee = person("lee@example.com")
    ann = person("ann@example.com", first_name="Ann", email_consent="unsubscribed")
    for hours, contact in enumerate((kim, lee, ann)):
        happen(contact, "signed_up", at=now + hours * HOUR)
        run(hours * HOUR)
    happen(lee, "account_closed", at=now + 3 * HOUR)
    run(3 * HOUR)
    return {"kim": kim, "lee": lee, "ann": ann}


def _emails(rows):
    return [row.contact_email for row in rows]


def _listed(api, journey, node_id, **params):
    response = api.get(f"/api/v1/journeys/{journey.pk}/nodes/{node_id}/contacts/", params)
    assert response.status_code == 200, response.json()
    return response.json()


# --- the selector ----------------------------------------------------------------------------------


def test_waiting_contacts_are_those_at_the_step_now_the_latest_to_arrive_first(journey, people, now):
    rows = node_contacts(journey=journey, node_id="wait", state="waiting")
    assert len(rows) == 2
    ann, kim = rows[0:2]
    assert (ann.contact_email, ann.contact_name, ann.state) == ("ann@example.com", "Ann", "waiting")
    assert (kim.contact_email, kim.contact_name) == ("kim@example.com", "Kim Lindqvist")
    assert (kim.at, kim.due_at) == (now, now + timedelta(days=2))
    assert (ann.at, ann.due_at) == (now + 2 * HOUR, now + 2 * HOUR + timedelta(days=2))
    assert (kim.version, kim.output, kim.reason) == (1, "", "")
    assert kim.enrollment == Enrollment.objects.get(contact=people["kim"]).pk


def test_waiting_is_the_default(journey, people):
    assert _emails(node_contacts(journey=journey, node_id="wait")[0:10]) == ["ann@example.com", "kim@example.com"]


def test_passed_lists_each_pass_by_its_output_newest_first_skipped_ones_with_the_reason(journey, people, now):
    rows = node_contacts(journey=journey, node_id="mail", state="passed")[0:10]
    assert _emails(rows) == ["ann@example.com", "lee@example.com", "kim@example.com"]
    assert [(row.state, row.output, row.due_at) for row in rows] == [("passed", "next", None)] * 3
    assert [row.at for row in rows] == [now + 2 * HOUR, now + HOUR, now]
    assert "unsubscribed" in rows[0].reason  # skipped: not sent, and the contact went on
    assert rows[1].reason == rows[2].reason == ""


def test_exited_lists_the_contacts_who_left_the_journey_at_the_step(journey, people, now):
    [lee] = node_contacts(journey=journey, node_id="wait", state="exited")[0:10]
    assert (lee.contact_email, lee.state, lee.at, lee.due_at) == ("lee@example.com", "exited", now + 3 * HOUR, None)
    assert "account_closed" in lee.reason
    assert len(node_contacts(journey=journey, node_id="mail", state="exited")) == 0


def test_failed_lists_the_contacts_whose_step_failed_there(journey, people, now):
    # What the executor leaves after the fifth failure of the wait (as in test_health.py).
    Enrollment.objects.filter(contact=people["kim"]).update(
        state="failed", attempts=5, last_error="OperationalError", exit_reason="OperationalError", finished_at=now
    )
    [kim] = node_contacts(journey=journey, node_id="wait", state="failed")[0:10]
    assert (kim.contact_email, kim.state, kim.at, kim.reason) == ("kim@example.com", "failed", now, "OperationalError")
    assert _emails(node_contacts(journey=journey, node_id="wait")[0:10]) == ["ann@example.com"]


def test_a_step_the_journey_does_not_have_has_nobody(journey, people):
    for state in ("waiting", "passed", "exited", "failed"):
        assert len(node_contacts(journey=journey, node_id="nothing-here", state=state)) == 0


def test_contacts_of_another_journey_at_a_step_of_the_same_name_are_not_listed(journey, people, build, publish, refs):
    other = publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "signed_up"}),
            ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "days"}),
            edges=[("t", "wait")],
        ),
        name="Other",
    )
    assert len(node_contacts(journey=other, node_id="wait")) == 0
    assert len(node_contacts(journey=journey, node_id="wait")) == 2


def test_an_unknown_state_is_refused(journey):
    with pytest.raises(ValueError, match="waiting, passed, exited, failed"):
        node_contacts(journey=journey, node_id="wait", state="stuck")


@pytest.mark.parametrize("state", ["waiting", "passed", "exited", "failed"])
def test_a_page_takes_three_queries_however_many_contacts(journey, people, state, django_assert_num_queries):
    with django_assert_num_queries(3):  # the journey's versions, the count, the page
        rows = node_contacts(journey=journey, node_id="wait", state=state)
        len(rows)
        rows[0:50]


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_answers_a_page_of_rows_with_the_contact_and_when(api, journey, people):
    body = _listed(api, journey, "wait")
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    kim = body["results"][1]
    assert kim == {
        "enrollment": Enrollment.objects.get(contact=people["kim"]).pk,
        "contact": {"id": people["kim"].pk, "email": "kim@example.com", "name": "Kim Lindqvist"},
        "version": 1,
        "state": "waiting",
        "at": "2026-11-23T12:00:00Z",
        "due_at": "2026-11-25T12:00:00Z",
        "output": "",
        "reason": "",
    }


def test_the_api_pages_through_the_rows(api, journey, people):
    first = _listed(api, journey, "mail", state="passed", page_size=2)
    assert first["count"] == 3
    assert [row["contact"]["email"] for row in first["results"]] == ["ann@example.com", "lee@example.com"]
    assert first["next"].endswith("page=2&page_size=2&state=passed")
    second = _listed(api, journey, "mail", state="passed", page_size=2, page=2)
    assert [row["contact"]["email"] for row in second["results"]] == ["kim@example.com"]


def test_the_api_lists_exits_with_their_reason(api, journey, people):
    [lee] = _listed(api, journey, "wait", state="exited")["results"]
    assert (lee["contact"]["email"], lee["state"], lee["due_at"]) == ("lee@example.com", "exited", None)
    assert "account_closed" in lee["reason"]


def test_an_unknown_step_is_an_empty_list(api, journey):
    assert _listed(api, journey, "nothing-here") == {"count": 0, "next": None, "previous": None, "results": []}


def test_an_unknown_state_is_a_400_naming_the_states_there_are(api, journey):
    response = api.get(f"/api/v1/journeys/{journey.pk}/nodes/wait/contacts/", {"state": "stuck"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"state": ["Choose one of: waiting, passed, exited, failed."]}


def test_an_unknown_journey_is_a_404(api, db):
    assert api.get("/api/v1/journeys/999/nodes/wait/contacts/").status_code == 404


def test_only_people_with_a_role_may_look(api_client, make_user, journey):
    assert api_client.get(f"/api/v1/journeys/{journey.pk}/nodes/wait/contacts/").status_code in (401, 403)
    api_client.force_authenticate(make_user(None))
    assert api_client.get(f"/api/v1/journeys/{journey.pk}/nodes/wait/contacts/").status_code == 403
