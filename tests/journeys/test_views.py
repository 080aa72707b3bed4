"""The journeys list (with its totals and the "New journey" button), the gallery and the editor page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.services.contacts import Identity, contact_ids_get_or_create
from journeys.models import Journey
from journeys.selectors import journeys_totals
from journeys.services import journey_contacts_enroll, journey_create


def test_the_list_shows_journeys_and_the_gallery(client, marketer, refs, welcome_graph):
    Journey.objects.create(name="Welcome", draft_graph=welcome_graph, settings={"stages": ["subscriber"]})
    client.force_login(marketer)
    page = client.get(reverse("journeys:list")).content.decode()
    assert "Welcome" in page
    assert "Subscriber" in page
    assert "Win back customers at risk" in page


def _editor_data(page: str) -> dict:
    found = re.search(r'<script id="journey-editor-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the editor page carries its data"
    return json.loads(found.group(1))


def test_a_gallery_journey_becomes_a_draft_and_opens_in_the_editor(client, marketer, refs):
    client.force_login(marketer)
    response = client.post(reverse("journeys:from_gallery", args=["win-back"]), follow=True)
    journey = Journey.objects.get()
    assert journey.status == "draft"
    data = _editor_data(response.content.decode())
    assert data["journey"]["id"] == journey.pk
    assert {n["type"] for n in data["journey"]["graph"]["nodes"]} >= {"trigger", "send_email", "add_to_audience"}
    assert data["canEdit"] is True


def test_the_editor_page_offers_the_pickers_and_is_read_only_for_viewers(client, viewer, build, refs):
    journey = Journey.objects.create(name="Bad", draft_graph=build(("t", "trigger", {"kind": "event"})))
    client.force_login(viewer)
    data = _editor_data(client.get(reverse("journeys:detail", args=[journey.pk])).content.decode())
    assert data["canEdit"] is False
    assert "Welcome" in {t["name"] for t in data["lookups"]["templates"]}
    assert "At risk customers" in {s["name"] for s in data["lookups"]["segments"]}
    assert "Win-back retargeting" in {a["name"] for a in data["lookups"]["audiences"]}
    assert "email_opened" in data["lookups"]["eventNames"]
    assert data["urls"]["nodeContacts"] == f"/api/v1/journeys/{journey.pk}/nodes/__node__/contacts/"
    assert data["urls"]["live"] == f"/api/v1/journeys/{journey.pk}/live/"


def test_viewers_cannot_create_from_the_gallery(client, viewer, refs):
    client.force_login(viewer)
    assert client.post(reverse("journeys:from_gallery", args=["welcome"])).status_code == 403


# --- totals ------------------------------------------------------------------------------------------


def _signed_up_and_one_ordered(signup_journey, person, happen, run, now, count=3):
    """``count`` contacts sign up; the first completes an order (the journey's goal)."""
    contacts = [person(f"p{n}@example.com") for n in range(count)]
    for contact in contacts:
        happen(contact, "signed_up")
    run()
    happen(contacts[0], "order_completed", at=now + timedelta(hours=1))
    run(timedelta(hours=1))
    return contacts


def test_totals_count_entries_contacts_in_the_journey_now_and_conversions(
    signup_journey, person, happen, run, now, django_assert_num_queries
):
    _signed_up_and_one_ordered(signup_journey, person, happen, run, now)
    run(timedelta(days=3))  # the waits are over: everybody finished
    happen(person("late@example.com"), "signed_up", at=now + timedelta(days=3))
    with django_assert_num_queries(2):
        totals = journeys_totals(journey_ids=[signup_journey.pk, 999])
    assert totals == {
        signup_journey.pk: {"entered": 4, "active": 1, "converted": 1},
        999: {"entered": 0, "active": 0, "converted": 0},
    }


def _number_cells(page):
    return re.findall(r'<td class="num">([^<]*)</td>', page)


def test_the_list_shows_each_journeys_totals(client, viewer, signup_journey, person, happen, run, now):
    _signed_up_and_one_ordered(signup_journey, person, happen, run, now)
    client.force_login(viewer)
    page = client.get(reverse("journeys:list")).content.decode()
    for heading in ("Entered", "Active", "Converted"):
        assert f">{heading}</th>" in page
    assert _number_cells(page) == ["3", "3", "1"]  # entered, in it now, converted


def test_the_totals_are_written_the_way_the_page_language_writes_numbers(client, viewer, signup_journey, now):
    identities = [Identity(email=f"c{n}@example.com", external_id=None) for n in range(1234)]
    ids = list(contact_ids_get_or_create(identities, now=now).values())
    assert journey_contacts_enroll(journey=signup_journey, contact_ids=ids, now=now).enrolled == 1234
    client.force_login(viewer)
    assert _number_cells(client.get(reverse("journeys:list")).content.decode()) == ["1,234", "1,234", "0"]
    german = client.get(reverse("journeys:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert _number_cells(german) == ["1.234", "1.234", "0"]
    assert ">Konvertiert</th>" in german


def test_the_totals_of_all_journeys_are_read_in_the_same_number_of_queries(
    client, viewer, signup_journey, build, publish, person, happen, run
):
    client.force_login(viewer)
    client.get(reverse("journeys:list"))  # what is read once per process (languages, the session…)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("journeys:list")).status_code == 200
        return len(captured)

    one = queries()
    for n in range(3):
        publish(
            build(("t", "trigger", {"kind": "event", "event": f"e{n}"}), ("end", "exit", {}), edges=[("t", "end")]),
            name=f"Journey {n}",
        )
        happen(person(f"p{n}@example.com"), f"e{n}")
    run()
    assert queries() == one


# --- a new journey -------------------------------------------------------------------------------------


def test_marketers_see_the_new_journey_button(client, marketer, db):
    client.force_login(marketer)
    page = client.get(reverse("journeys:list")).content.decode()
    assert f'action="{reverse("journeys:new")}"' in page
    assert "New journey" in page


def test_viewers_do_not_see_it_and_may_not_create_one(client, viewer, db):
    client.force_login(viewer)
    page = client.get(reverse("journeys:list")).content.decode()
    assert reverse("journeys:new") not in page
    assert client.post(reverse("journeys:new")).status_code == 403
    assert client.get(reverse("journeys:new")).status_code == 403
    assert not Journey.objects.exists()


def test_a_new_journey_is_a_blank_untitled_draft_opened_at_once(client, marketer, db):
    client.force_login(marketer)
    response = client.post(reverse("journeys:new"))
    journey = Journey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("journeys:detail", args=[journey.pk])
    assert (journey.name, journey.status, journey.live_version) == ("Untitled journey", "draft", None)
    assert journey.draft_graph == {"nodes": [], "edges": []}
    assert journey.created_by == marketer


def test_new_journeys_are_numbered_when_the_name_is_taken(client, admin, db):
    journey_create(name="Untitled journey")
    journey_create(name="untitled journey 2")  # taken regardless of case
    client.force_login(admin)
    client.post(reverse("journeys:new"))
    client.post(reverse("journeys:new"))
    assert sorted(Journey.objects.values_list("name", flat=True)) == [
        "Untitled journey",
        "Untitled journey 3",
        "Untitled journey 4",
        "untitled journey 2",
    ]


def test_a_new_journey_is_named_in_the_users_language(client, marketer, db):
    client.force_login(marketer)
    client.post(reverse("journeys:new"), HTTP_ACCEPT_LANGUAGE="de")
    assert Journey.objects.get().name == "Unbenannte Journey"


def test_a_new_journey_only_comes_from_a_post(client, marketer, db):
    client.force_login(marketer)
    assert client.get(reverse("journeys:new")).status_code == 405
    assert not Journey.objects.exists()
