"""Django admin for what the executor writes: lists that open with data, the Health filter, search
by email, and the "retry now" and "remove from journey" actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from journeys.executor import drain_schedule
from journeys.models import Conversion, Enrollment, Nudge, OutboundMessage, Step, WebhookDelivery


@pytest.fixture
def journey(signup_journey):
    return signup_journey


@pytest.fixture
def contacts(journey, person, happen, run, now):
    """Kim waits (healthy, and converted), Lee's email step keeps raising, Ann's failed for good
    and Max signed up while no executor ran. All at ``now``."""
    kim, lee, ann = person("kim@example.com"), person("lee@example.com"), person("ann@example.com")
    for contact in (kim, lee, ann):
        happen(contact, "signed_up")
    run()
    happen(kim, "order_completed", {"total": 40})
    # What the executor leaves after the email step raised twice for Lee, and five times for Ann.
    Enrollment.objects.filter(contact=lee).update(
        node_id="mail", attempts=2, last_error="SMTPServerDisconnected: Connection unexpectedly closed"
    )
    Enrollment.objects.filter(contact=ann).update(
        node_id="mail",
        state="failed",
        attempts=5,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        exit_reason="SMTPServerDisconnected: Connection unexpectedly closed",
        due_at=None,
        finished_at=now,
    )
    max_ = person("max@example.com")
    happen(max_, "signed_up")
    return {"kim": kim, "lee": lee, "ann": ann, "max": max_}


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def later(now):
    """Twenty minutes after everything happened: Max is stuck by then."""
    with time_machine.travel(now + timedelta(minutes=20), tick=False):
        yield now + timedelta(minutes=20)


def _listed(client, model, query=""):
    response = client.get(reverse(f"admin:journeys_{model}_changelist") + query)
    assert response.status_code == 200
    return response.content.decode()


def _emails_listed(client, query):
    page = _listed(client, "enrollment", query)
    return {email for email in ("kim", "lee", "ann", "max") if f"{email}@example.com" in page}


def test_every_list_of_the_executor_opens_with_data(admin_client, contacts, build, publish, person, happen, run):
    hooked = publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "paid"}),
            ("hook", "webhook", {"url": "https://hooks.example.com/paid", "method": "POST"}),
            edges=[("t", "hook")],
        ),
        name="Tell the warehouse",
    )
    happen(person("pat@example.com"), "paid")
    run()
    happen(contacts["kim"], "account_closed")  # an exit nudge the executor has not applied yet
    assert WebhookDelivery.objects.filter(journey=hooked).exists()
    assert Conversion.objects.exists()
    assert Nudge.objects.exists()
    assert "kim@example.com" in _listed(admin_client, "enrollment")
    assert "SMTPServerDisconnected" in _listed(admin_client, "enrollment")
    assert "mail" in _listed(admin_client, "step")
    assert "kim@example.com" in _listed(admin_client, "conversion")
    assert "https://hooks.example.com/paid" in _listed(admin_client, "webhookdelivery")
    assert "Left when account_closed happened" in _listed(admin_client, "nudge")


def test_an_enrollment_page_shows_its_steps_and_nothing_can_be_edited(admin_client, contacts):
    kim = Enrollment.objects.get(contact=contacts["kim"])
    response = admin_client.get(reverse("admin:journeys_enrollment_change", args=[kim.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>mail</code>" in page
    assert f"{contacts['kim'].email} in “{kim.journey.name}”, at {kim.node_id}" in page  # title, breadcrumbs
    assert f"?enrollment__id__exact={kim.pk}" in page
    assert 'name="node_id"' not in page
    assert 'name="_save"' not in page
    steps = _listed(admin_client, "step", f"?enrollment__id__exact={kim.pk}")
    assert steps.count('class="field-node_type"') == Step.objects.filter(enrollment=kim).count()


def test_the_health_filter_lists_stuck_retrying_and_failed_enrollments(admin_client, contacts, later):
    assert _emails_listed(admin_client, "?health=stuck") == {"max"}
    assert _emails_listed(admin_client, "?health=retrying") == {"lee"}
    assert _emails_listed(admin_client, "?health=failed") == {"ann"}
    assert _emails_listed(admin_client, "") == {"kim", "lee", "ann", "max"}


def test_the_state_and_journey_filters_and_the_email_search_narrow_the_list(
    admin_client, contacts, journey, build, publish
):
    other = publish(
        build(("t", "trigger", {"kind": "event", "event": "paid"}), ("end", "exit", {}), edges=[("t", "end")]),
        name="Other",
    )
    assert _emails_listed(admin_client, "?state=failed") == {"ann"}
    assert _emails_listed(admin_client, f"?journey__id__exact={journey.pk}") == {"kim", "lee", "ann", "max"}
    assert _emails_listed(admin_client, f"?journey__id__exact={other.pk}") == set()
    assert _emails_listed(admin_client, "?q=Lee@Example.com") == {"lee"}


@pytest.mark.parametrize("model", ["enrollment", "step", "conversion", "nudge"])
def test_a_list_reads_the_same_few_queries_however_many_rows_it_shows(
    admin_client, contacts, person, happen, run, model, django_assert_max_num_queries
):
    def more_rows(first):
        people = [person(f"p{n}@example.com") for n in range(first, first + 5)]
        for contact in people:
            happen(contact, "signed_up")
        run()  # also applies the nudges of the earlier ones: they leave with a step more
        for contact in people:
            happen(contact, "order_completed", {"total": 10})  # a conversion
            happen(contact, "account_closed")  # a nudge

    more_rows(0)
    with django_assert_max_num_queries(20) as few:
        _listed(admin_client, model)
    more_rows(5)
    with django_assert_max_num_queries(len(few)):
        _listed(admin_client, model)


def test_retry_now_runs_a_retrying_step_again_at_once(
    admin_client, contacts, run, later, django_capture_on_commit_callbacks
):
    lee = Enrollment.objects.get(contact=contacts["lee"])
    with django_capture_on_commit_callbacks() as on_commit:
        response = admin_client.post(
            reverse("admin:journeys_enrollment_changelist"), {"action": "retry_now", "_selected_action": [lee.pk]}
        )
    assert response.status_code == 302
    assert drain_schedule in on_commit
    lee.refresh_from_db()
    assert (lee.attempts, lee.last_error, lee.due_at) == (0, "", later)
    run(timedelta(minutes=20))  # the drain the action asked for
    lee.refresh_from_db()
    assert lee.node_id == "wait"
    assert OutboundMessage.objects.filter(contact=contacts["lee"]).exists()


def test_retry_now_puts_a_failed_enrollment_back_at_the_step_it_failed_at(admin_client, contacts, run, later):
    ann = Enrollment.objects.get(contact=contacts["ann"])
    kim = Enrollment.objects.get(contact=contacts["kim"])
    kim_due = kim.due_at
    response = admin_client.post(
        reverse("admin:journeys_enrollment_changelist"),
        {"action": "retry_now", "_selected_action": [ann.pk, kim.pk]},
        follow=True,
    )
    assert "2 enrollments run their step again now." in response.content.decode()
    ann.refresh_from_db()
    assert (ann.state, ann.node_id, ann.attempts, ann.finished_at, ann.exit_reason) == ("active", "mail", 0, None, "")
    run(timedelta(minutes=20))
    ann.refresh_from_db()
    assert (ann.state, ann.node_id) == ("active", "wait")
    kim.refresh_from_db()
    # Kim was due now too: her wait counts from when she reached it, so it ends when it would have.
    assert (kim.node_id, kim.due_at) == ("wait", kim_due)


def test_retry_now_leaves_finished_enrollments_alone_and_says_so(admin_client, contacts, run, now):
    kim = Enrollment.objects.get(contact=contacts["kim"])
    run(timedelta(days=3))
    kim.refresh_from_db()
    assert kim.state == "completed"
    response = admin_client.post(
        reverse("admin:journeys_enrollment_changelist"),
        {"action": "retry_now", "_selected_action": [kim.pk]},
        follow=True,
    )
    assert "1 was left as it is" in response.content.decode()
    kim.refresh_from_db()
    assert kim.state == "completed"


def test_remove_from_journey_takes_contacts_out_at_their_step_and_records_who(admin_client, contacts, admin):
    kim = Enrollment.objects.get(contact=contacts["kim"])
    lee = Enrollment.objects.get(contact=contacts["lee"])
    ann = Enrollment.objects.get(contact=contacts["ann"])
    response = admin_client.post(
        reverse("admin:journeys_enrollment_changelist"),
        {"action": "remove_from_journey", "_selected_action": [kim.pk, lee.pk, ann.pk]},
        follow=True,
    )
    assert "2 enrollments left their journeys." in response.content.decode()
    for enrollment, node in ((kim, "wait"), (lee, "mail")):
        enrollment.refresh_from_db()
        assert enrollment.state == "exited"
        assert enrollment.exit_reason == "Removed by ada in admin."
        step = Step.objects.get(enrollment=enrollment, outcome="exited")
        assert (step.node_id, step.reason) == (node, "Removed by ada in admin.")
    ann.refresh_from_db()
    assert ann.state == "failed"  # only enrollments in the journey are taken out
    assert not Nudge.objects.exists()


def test_only_administrators_open_the_executor_admin(client, marketer, contacts):
    client.force_login(marketer)
    response = client.get(reverse("admin:journeys_enrollment_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_printing_an_enrollment_never_queries(contacts, django_assert_num_queries):
    kim = Enrollment.objects.get(contact=contacts["kim"])
    with django_assert_num_queries(0):
        assert str(kim) == f"#{kim.contact_id} in “#{kim.journey_id}”, at {kim.node_id}"
