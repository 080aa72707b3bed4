"""Email reports: what was sent, delivered, bounced, opened, clicked and unsubscribed, per template
and per journey step, as the selectors count it and the API and the contact's page show it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from contacts.models import Contact
from contacts.services.contacts import consent_set
from journeys.emails import sender
from journeys.emails.selectors import journey_node_stats, message_stats, template_stats
from journeys.emails.services import feedback
from journeys.emails.services.outbox import QueueItem, message_test_send, messages_queue
from journeys.models import OutboundMessage
from journeys.services import journey_create, journey_publish, journey_update


def _graph(template_id: int, *steps: str) -> dict:
    nodes = [
        {"id": "t", "type": "trigger", "config": {"kind": "event", "event": "signed_up"}, "position": {"x": 0, "y": 0}}
    ]
    edges = []
    previous = "t"
    for index, step in enumerate(steps, start=1):
        nodes.append(
            {
                "id": step,
                "type": "send_email",
                "config": {"template": template_id},
                "position": {"x": 0, "y": 100 * index},
            }
        )
        edges.append({"id": f"{previous}-{step}", "source": previous, "sourceHandle": None, "target": step})
        previous = step
    nodes.append({"id": "end", "type": "exit", "config": {}, "position": {"x": 0, "y": 900}})
    edges.append({"id": f"{previous}-end", "source": previous, "sourceHandle": None, "target": "end"})
    return {"nodes": nodes, "edges": edges}


@pytest.fixture
def journey(welcome):
    journey = journey_create(name="Onboarding", graph=_graph(welcome.pk, "mail", "reminder"))
    version, _plan = journey_publish(journey=journey)
    return journey, version


def queue(now, contact, template, **fields):
    (row,) = messages_queue(items=[QueueItem(contact=contact, template=template, **fields)], now=now)
    return OutboundMessage.objects.select_related("contact", "template").get(message_id=row.message_id)


@pytest.fixture
def campaign(make_contact, welcome, journey, now):
    """The "mail" step of the journey sent to five contacts, and one who may not get it:

    - amy opens twice and clicks twice;
    - ben opens once and unsubscribes;
    - cat's email hard-bounces;
    - dan and eve do nothing;
    - fay is unsubscribed: not sent.

    Plus a test send of the template, opened and clicked by a colleague (not counted).
    """
    journey_row, version = journey
    step = {"journey": journey_row, "version": version, "node_id": "mail"}
    names = ["amy", "ben", "cat", "dan", "eve", "fay"]
    contacts = {name: make_contact(f"{name}@example.com", first_name=name.title()) for name in names}
    consent_set(contact=contacts["fay"], consent=Contact.Consent.UNSUBSCRIBED, source="test")
    messages = {name: queue(now, contacts[name], welcome, **step) for name in names}
    with time_machine.travel(now, tick=False):  # message_test_send takes no now=
        message_test_send(template=welcome, to="colleague@example.com")
    assert sender.messages_send(now=now).sent == 6  # five contacts and the test send
    later = now + timedelta(hours=1)
    for name in names:
        messages[name].refresh_from_db()
    feedback.message_opened(message=messages["amy"], now=later)
    feedback.message_opened(message=messages["amy"], now=later + timedelta(minutes=5))
    feedback.message_clicked(message=messages["amy"], index=0, now=later)
    feedback.message_clicked(message=messages["amy"], index=0, now=later + timedelta(minutes=6))
    feedback.message_opened(message=messages["ben"], now=later)
    feedback.contact_unsubscribe(message=messages["ben"], source="one-click", now=later)
    feedback.delivery_problem(
        kind="bounce", email="cat@example.com", message_id=messages["cat"].message_id, reason="550 user unknown"
    )
    test = OutboundMessage.objects.get(kind=OutboundMessage.Kind.TEST)
    feedback.message_opened(message=test, now=later)
    return messages


EXPECTED = {
    "sent": 5,
    "delivered": 4,
    "bounced": 1,
    "skipped": 1,
    "queued": 0,
    "failed": 0,
    "opened": 2,
    "clicked": 1,
    "unsubscribed": 1,
    "bounced_rate": 0.2,
    "opened_rate": 0.5,
    "clicked_rate": 0.25,
    "unsubscribed_rate": 0.25,
}


def test_a_templates_figures_count_each_message_once(campaign, welcome):
    assert template_stats([welcome.pk]) == {welcome.pk: EXPECTED}


def test_a_journey_steps_figures_are_the_same(campaign, journey):
    journey_row, _version = journey
    assert journey_node_stats(journey_row.pk) == {"mail": EXPECTED}


def test_the_overall_figures_of_a_set_of_messages(campaign):
    assert message_stats(OutboundMessage.objects.all()) == {None: EXPECTED}


def test_a_template_without_messages_has_zeros_and_no_rates(make_template, db):
    fresh = make_template(name="Fresh")
    stats = template_stats([fresh.pk])[fresh.pk]
    assert stats["sent"] == stats["delivered"] == stats["opened"] == 0
    assert stats["opened_rate"] is None
    assert stats["bounced_rate"] is None


def test_messages_not_sent_yet_are_queued_not_sent(make_contact, welcome, now):
    queue(now + timedelta(days=1), make_contact("later@example.com"), welcome)
    stats = template_stats([welcome.pk])[welcome.pk]
    assert (stats["queued"], stats["sent"], stats["opened_rate"]) == (1, 0, None)


def test_only_bounces_means_no_delivered_rates(make_contact, welcome, now):
    message = queue(now, make_contact("gone@example.com"), welcome)
    sender.messages_send(now=now)
    feedback.delivery_problem(kind="bounce", email="gone@example.com", message_id=message.message_id)
    stats = template_stats([welcome.pk])[welcome.pk]
    assert (stats["sent"], stats["bounced"], stats["delivered"]) == (1, 1, 0)
    assert stats["bounced_rate"] == 1.0
    assert stats["opened_rate"] is None


def test_a_journey_report_keeps_its_steps_apart_and_adds_up_its_versions(make_contact, welcome, journey, now):
    journey_row, first = journey
    amy, ben = make_contact("amy@example.com"), make_contact("ben@example.com")
    queue(now, amy, welcome, journey=journey_row, version=first, node_id="mail")
    journey_update(journey=journey_row, graph=_graph(welcome.pk, "mail", "reminder", "last-call"))
    second, _plan = journey_publish(journey=journey_row)
    queue(now, ben, welcome, journey=journey_row, version=second, node_id="mail")
    reminder = queue(now, amy, welcome, journey=journey_row, version=second, node_id="reminder")
    sender.messages_send(now=now)
    reminder.refresh_from_db()
    feedback.message_opened(message=reminder, now=now)
    stats = journey_node_stats(journey_row.pk)
    assert set(stats) == {"mail", "reminder"}
    assert (stats["mail"]["sent"], stats["mail"]["opened"]) == (2, 0)
    assert (stats["reminder"]["sent"], stats["reminder"]["opened"], stats["reminder"]["opened_rate"]) == (1, 1, 1.0)


def test_other_journeys_and_templates_are_not_mixed_in(campaign, welcome, make_template, make_contact, now):
    other_template = make_template(name="Other")
    other_journey = journey_create(name="Other journey", graph=_graph(other_template.pk, "mail"))
    version, _plan = journey_publish(journey=other_journey)
    queue(now, make_contact("zed@example.com"), other_template, journey=other_journey, version=version, node_id="mail")
    sender.messages_send(now=now)
    assert template_stats([welcome.pk])[welcome.pk] == EXPECTED
    assert template_stats([other_template.pk])[other_template.pk]["sent"] == 1
    assert journey_node_stats(other_journey.pk)["mail"]["sent"] == 1


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api(api_client, viewer):
    api_client.force_authenticate(viewer)
    return api_client


def test_the_template_report_api_answers_the_same_figures(api, campaign, welcome):
    response = api.get(f"/api/v1/templates/{welcome.pk}/report/")
    assert response.status_code == 200
    assert response.json() == EXPECTED


def test_the_journey_report_api_answers_the_same_figures_per_step(api, campaign, journey):
    journey_row, _version = journey
    response = api.get(f"/api/v1/journeys/{journey_row.pk}/email-report/")
    assert response.status_code == 200
    assert response.json() == {"mail": EXPECTED}


def test_a_journey_without_emails_has_an_empty_report(api, journey):
    journey_row, _version = journey
    assert api.get(f"/api/v1/journeys/{journey_row.pk}/email-report/").json() == {}


def test_reports_of_what_does_not_exist_are_a_404(api, db):
    for url in ("/api/v1/templates/999999/report/", "/api/v1/journeys/999999/email-report/"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_reports_need_a_login(api_client, welcome, journey):
    journey_row, _version = journey
    assert api_client.get(f"/api/v1/templates/{welcome.pk}/report/").status_code in (401, 403)
    assert api_client.get(f"/api/v1/journeys/{journey_row.pk}/email-report/").status_code in (401, 403)


# --- the contact's page ------------------------------------------------------------------------


def test_the_contact_page_lists_their_emails_with_status_and_why_one_was_not_sent(
    client, viewer, campaign, welcome, journey, now
):
    amy = campaign["amy"].contact
    consent_set(contact=amy, consent=Contact.Consent.UNSUBSCRIBED, source="test")
    skipped = queue(now + timedelta(days=2), Contact.objects.get(pk=amy.pk), welcome)
    client.force_login(viewer)
    response = client.get(f"/contacts/{amy.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="emails"') :]
    assert section.count("Welcome, Amy!") == 1  # the email sent; the other was never written
    assert "{{" not in section  # not the template's source either
    assert "badge-message-sent" in section
    assert "badge-message-skipped" in section
    assert "Not sent" in section
    assert skipped.skip_reason == "The contact unsubscribed from marketing email."
    assert "The contact unsubscribed from marketing email." in section
    assert f'href="/templates/{welcome.pk}/"' in section
    journey_row, _version = journey
    assert f'href="/journeys/{journey_row.pk}/"' in section
    assert "Onboarding" in section
    assert section.count('class="message-log-mark"') == 2  # opened and clicked, on the first email
    assert section.index("Not sent") < section.index("badge-message-sent")  # newest first


def test_a_bounced_email_shows_the_servers_answer(client, viewer, campaign):
    cat = campaign["cat"].contact
    client.force_login(viewer)
    section = client.get(f"/contacts/{cat.pk}/").content.decode()
    assert "badge-message-bounced" in section
    assert "550 user unknown" in section


def test_a_contact_without_emails_says_so(client, viewer, make_contact):
    quiet = make_contact("quiet@example.com")
    client.force_login(viewer)
    html = client.get(f"/contacts/{quiet.pk}/").content.decode()
    assert 'id="emails"' in html
    assert "No emails yet." in html


def test_the_profile_shows_the_latest_emails_and_says_there_are_more(client, viewer, make_contact, make_template, now):
    from journeys.profile_panels import MESSAGES_SHOWN

    busy = make_contact("busy@example.com")
    template = make_template(name="Daily", subject="Day {{ event.day }}")
    for day in range(MESSAGES_SHOWN + 2):
        messages_queue(
            items=[QueueItem(contact=busy, template=template, event={"day": day})], now=now + timedelta(days=day)
        )
    client.force_login(viewer)
    html = client.get(f"/contacts/{busy.pk}/").content.decode()
    section = html[html.index('id="emails"') :]
    assert f"The latest {MESSAGES_SHOWN} emails" in section
    assert f"Day {MESSAGES_SHOWN + 1}<" in section
    assert "Day 1<" not in section
    assert "Day 0<" not in section


def test_the_profile_reads_the_emails_in_a_few_queries(
    client, viewer, make_contact, make_template, now, django_assert_max_num_queries
):
    busy = make_contact("busy@example.com")
    template = make_template(name="Daily", subject="Day {{ event.day }}")
    for day in range(10):
        messages_queue(
            items=[QueueItem(contact=busy, template=template, event={"day": day})], now=now + timedelta(days=day)
        )
    client.force_login(viewer)
    client.get(f"/contacts/{busy.pk}/")  # warm up: sessions, permissions
    with django_assert_max_num_queries(30) as counted:
        client.get(f"/contacts/{busy.pk}/")
    emails_queries = [q for q in counted.captured_queries if "journeys_outboundmessage" in q["sql"]]
    assert len(emails_queries) == 1
