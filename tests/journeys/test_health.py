"""Stuck, retrying and failed enrollments are counted per journey and shown, never silent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from journeys.health import STUCK_AFTER, journeys_health
from journeys.models import Enrollment
from journeys.services import journey_set_status


@pytest.fixture
def journey(signup_journey):
    return signup_journey


def _retrying(contact, now):
    """What the executor leaves after the email step raised twice: attempts counted, due after backoff."""
    Enrollment.objects.filter(contact=contact).update(
        node_id="mail", attempts=2, last_error="SMTPServerDisconnected", due_at=now + timedelta(minutes=2)
    )


def _failed(contact, now):
    """What the executor leaves after the fifth failure of the email step."""
    Enrollment.objects.filter(contact=contact).update(
        node_id="mail",
        state="failed",
        attempts=5,
        last_error="SMTPServerDisconnected",
        exit_reason="SMTPServerDisconnected",
        due_at=None,
        finished_at=now,
    )


def test_a_healthy_journey_has_nothing_stuck_retrying_or_failed(journey, person, happen, run, now):
    happen(person(), "signed_up")
    run()
    assert journeys_health(journey_ids=[journey.pk], now=now + timedelta(hours=1)) == {
        journey.pk: {"stuck": 0, "retrying": 0, "failed": 0}
    }


def test_a_contact_overdue_by_more_than_a_quarter_of_an_hour_is_stuck(journey, person, happen, now):
    happen(person(), "signed_up")  # due now at the trigger; no executor runs
    minute = timedelta(minutes=1)
    assert journeys_health(journey_ids=[journey.pk], now=now + STUCK_AFTER - minute)[journey.pk]["stuck"] == 0
    assert journeys_health(journey_ids=[journey.pk], now=now + STUCK_AFTER + minute)[journey.pk]["stuck"] == 1


def test_contacts_of_a_paused_journey_wait_on_purpose_and_are_not_stuck(journey, person, happen, now):
    happen(person(), "signed_up")
    journey_set_status(journey=journey, action="pause")
    assert journeys_health(journey_ids=[journey.pk], now=now + timedelta(hours=1))[journey.pk]["stuck"] == 0


def test_retrying_and_failed_contacts_are_counted_apart_from_stuck_ones(journey, person, happen, run, now):
    kim, lee, ann = person("kim@example.com"), person("lee@example.com"), person("ann@example.com")
    for contact in (kim, lee, ann):
        happen(contact, "signed_up")
    run()
    _retrying(lee, now)
    _failed(ann, now)
    happen(person("max@example.com"), "signed_up")  # stuck, once a quarter of an hour has passed
    later = now + timedelta(hours=1)  # lee's retry is overdue too, and still counts as retrying
    assert journeys_health(journey_ids=[journey.pk], now=later)[journey.pk] == {"stuck": 1, "retrying": 1, "failed": 1}


def test_the_health_of_several_journeys_is_read_with_one_query(
    build, publish, journey, person, happen, now, django_assert_num_queries
):
    other = publish(
        build(("t", "trigger", {"kind": "event", "event": "paid"}), ("end", "exit", {}), edges=[("t", "end")]),
        name="Other",
    )
    happen(person(), "signed_up")
    with django_assert_num_queries(1):
        health = journeys_health(journey_ids=[journey.pk, other.pk, 999], now=now + timedelta(hours=1))
    assert health == {
        journey.pk: {"stuck": 1, "retrying": 0, "failed": 0},
        other.pk: {"stuck": 0, "retrying": 0, "failed": 0},
        999: {"stuck": 0, "retrying": 0, "failed": 0},
    }


def test_the_journey_api_says_how_many_contacts_need_attention(journey, person, happen, run, now, api_client, viewer):
    lee, ann = person("lee@example.com"), person("ann@example.com")
    happen(lee, "signed_up")
    happen(ann, "signed_up")
    run()
    _retrying(lee, now)
    _failed(ann, now)
    api_client.force_authenticate(viewer)
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        body = api_client.get(f"/api/v1/journeys/{journey.pk}/").json()
    assert body["health"] == {"stuck": 0, "retrying": 1, "failed": 1}


def test_the_journey_page_warns_and_links_administrators_to_the_contacts(journey, person, happen, now, client, admin):
    happen(person(), "signed_up")
    client.force_login(admin)
    with time_machine.travel(now + timedelta(minutes=20), tick=False):
        page = client.get(reverse("journeys:detail", args=[journey.pk])).content.decode()
    assert "1 contact is stuck: their next step is more than 15 minutes overdue." in page
    link = reverse("admin:journeys_enrollment_changelist") + f"?journey__id__exact={journey.pk}&amp;health=stuck"
    assert link in page


def test_marketers_see_the_warning_without_the_admin_link(journey, person, happen, run, now, client, marketer):
    ann = person("ann@example.com")
    happen(ann, "signed_up")
    run()
    _failed(ann, now)
    client.force_login(marketer)
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        page = client.get(reverse("journeys:detail", args=[journey.pk])).content.decode()
    assert "1 contact left the journey because of an error." in page
    assert "An administrator can see the details and retry or remove them." in page
    assert "/admin/" not in page


def test_a_healthy_journey_page_shows_no_warning(journey, person, happen, run, now, client, marketer):
    happen(person(), "signed_up")
    run()
    client.force_login(marketer)
    with time_machine.travel(now + timedelta(hours=1), tick=False):
        page = client.get(reverse("journeys:detail", args=[journey.pk])).content.decode()
    assert "need attention" not in page
