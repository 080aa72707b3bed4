"""Unsubscribing: the preference page, RFC 8058 one-click from the mail client, subscribing again,
and what it means for the next email."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client

from contacts.models import Contact, Event
from contacts.services.contacts import consent_set
from journeys.emails import sender, tracking
from journeys.emails.services import feedback
from journeys.emails.services.outbox import QueueItem, messages_queue, notify_queue
from journeys.models import MessageEvent, OutboundMessage

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def page(sent):
    """The path of the message's unsubscribe page, as its List-Unsubscribe header names it."""
    return urlsplit(sent.headers["List-Unsubscribe"].strip("<>")).path


@pytest.fixture
def mail_client():
    """A mail client's one-click POST: no session, no cookie, and CSRF checks as in production."""
    return Client(enforce_csrf_checks=True)


def consent(contact):
    contact.refresh_from_db()
    return contact.email_consent


def test_the_page_shows_the_address_and_a_button_to_unsubscribe(client, page, kim):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert "kim@example.com" in html
    assert 'name="action" value="unsubscribe"' in html
    assert "You get our marketing emails." in html
    assert "no-cache" in response["Cache-Control"]


def test_opening_the_page_changes_nothing_because_mail_scanners_open_every_link(client, page, kim):
    for _ in range(3):
        client.get(page)
    assert consent(kim) == Contact.Consent.SUBSCRIBED
    assert not MessageEvent.objects.exists()
    assert not Event.objects.filter(name__startswith="email_").exists()


def test_one_click_unsubscribes_without_a_session_or_csrf_token(mail_client, page, kim, sent):
    with time_machine.travel("2026-11-24 08:30:00+00:00", tick=False):
        response = mail_client.post(page, ONE_CLICK)
    assert response.status_code == 200
    kim.refresh_from_db()
    assert kim.email_consent == Contact.Consent.UNSUBSCRIBED
    assert kim.consent_source == "one-click"
    assert kim.consent_changed_at.isoformat() == "2026-11-24T08:30:00+00:00"
    (event,) = MessageEvent.objects.filter(message=sent)
    assert (event.kind, event.detail) == (MessageEvent.Kind.UNSUBSCRIBED, "one-click")
    (unsubscribed,) = Event.objects.filter(contact=kim, name="email_unsubscribed")
    assert unsubscribed.properties["source"] == "one-click"
    assert unsubscribed.properties["template"] == "Welcome"
    assert unsubscribed.properties["message_id"] == sent.message_id


def test_one_click_as_multipart_form_data_works_too(mail_client, page, kim):
    response = mail_client.post(page, ONE_CLICK)  # the test client's default encoding is multipart
    assert response.status_code == 200
    assert consent(kim) == Contact.Consent.UNSUBSCRIBED


def test_one_click_as_urlencoded_form_works(mail_client, page, kim):
    response = mail_client.post(page, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert consent(kim) == Contact.Consent.UNSUBSCRIBED


def test_unsubscribing_twice_records_it_once(mail_client, page, kim):
    mail_client.post(page, ONE_CLICK)
    assert mail_client.post(page, ONE_CLICK).status_code == 200
    assert MessageEvent.objects.filter(kind=MessageEvent.Kind.UNSUBSCRIBED).count() == 1
    assert Event.objects.filter(contact=kim, name="email_unsubscribed").count() == 1


def test_the_pages_button_unsubscribes_and_says_so(mail_client, page, kim):
    response = mail_client.post(page, {"action": "unsubscribe"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are unsubscribed." in html
    assert 'value="resubscribe"' in html
    kim.refresh_from_db()
    assert (kim.email_consent, kim.consent_source) == (Contact.Consent.UNSUBSCRIBED, "unsubscribe page")
    assert Event.objects.get(contact=kim, name="email_unsubscribed").properties["source"] == "unsubscribe page"


def test_an_unsubscribed_contact_can_subscribe_again_from_the_page(mail_client, page, kim):
    mail_client.post(page, ONE_CLICK)
    response = mail_client.post(page, {"action": "resubscribe"})
    assert "Welcome back: you are subscribed again." in response.content.decode()
    kim.refresh_from_db()
    assert (kim.email_consent, kim.consent_source) == (Contact.Consent.SUBSCRIBED, "preference page")
    assert Event.objects.filter(contact=kim, name="email_resubscribed").count() == 1
    assert 'value="unsubscribe"' in response.content.decode()


@pytest.mark.parametrize(
    ("suppressed", "explanation"),
    [
        (Contact.Consent.BOUNCED, "could not be delivered"),
        (Contact.Consent.COMPLAINED, "reported one of them as spam"),
    ],
)
def test_a_bounced_or_complained_contact_cannot_subscribe_again(mail_client, page, kim, suppressed, explanation):
    consent_set(contact=kim, consent=suppressed, source="test")
    shown = mail_client.get(page).content.decode()
    assert explanation in shown
    assert 'value="resubscribe"' not in shown
    response = mail_client.post(page, {"action": "resubscribe"})
    assert "subscribed again" not in response.content.decode()
    assert consent(kim) == suppressed
    assert not Event.objects.filter(name="email_resubscribed").exists()


@pytest.mark.parametrize("suppressed", [Contact.Consent.BOUNCED, Contact.Consent.COMPLAINED])
def test_unsubscribing_does_not_turn_a_suppressed_address_into_one_that_can_subscribe_again(
    mail_client, page, kim, suppressed
):
    consent_set(contact=kim, consent=suppressed, source="test")
    assert mail_client.post(page, ONE_CLICK).status_code == 200
    assert consent(kim) == suppressed
    mail_client.post(page, {"action": "resubscribe"})
    assert consent(kim) == suppressed


def test_a_subscribed_contact_resubscribing_changes_nothing(mail_client, page, kim):
    response = mail_client.post(page, {"action": "resubscribe"})
    assert response.status_code == 200
    assert "subscribed again" not in response.content.decode()
    assert not Event.objects.filter(name="email_resubscribed").exists()


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda m: tracking.sign(tracking.OPEN, m), id="an open token"),
        pytest.param(lambda m: tracking.sign(tracking.UNSUBSCRIBE, m)[:-1], id="a cut-short token"),
        pytest.param(lambda m: tracking.sign(tracking.UNSUBSCRIBE, "0" * 32), id="an unknown message"),
    ],
)
def test_a_token_that_is_not_this_messages_unsubscribe_token_is_a_404(mail_client, sent, kim, token):
    public_id = sent.message_id.strip("<>").split("@")[0]
    path = f"/u/{token(public_id)}/"
    assert mail_client.get(path).status_code == 404
    assert mail_client.post(path, ONE_CLICK).status_code == 404
    assert consent(kim) == Contact.Consent.SUBSCRIBED


def test_the_page_of_an_erased_contact_says_so_and_one_click_still_answers(mail_client, page, kim):
    kim.delete()
    assert "no longer in our records" in mail_client.get(page).content.decode()
    assert mail_client.post(page, ONE_CLICK).status_code == 200


def test_other_methods_are_refused(mail_client, page, kim):
    assert mail_client.put(page).status_code == 405
    assert mail_client.delete(page).status_code == 405
    assert consent(kim) == Contact.Consent.SUBSCRIBED


def test_after_unsubscribing_the_next_marketing_email_is_not_sent_and_says_why(mail_client, page, kim, welcome, now):
    mail_client.post(page, ONE_CLICK)
    kim = Contact.objects.get(pk=kim.pk)  # as the journey's next step loads it
    (row,) = messages_queue(items=[QueueItem(contact=kim, template=welcome)], now=now + timedelta(days=1))
    assert row.status == OutboundMessage.Status.SKIPPED
    stored = OutboundMessage.objects.get(message_id=row.message_id)
    assert stored.status == OutboundMessage.Status.SKIPPED
    assert stored.skip_reason == "The contact unsubscribed from marketing email."
    assert sender.messages_send(now=now + timedelta(days=1)).sent == 0


def test_notifications_to_colleagues_are_not_marketing_and_still_go_out(mail_client, page, kim, now):
    mail_client.post(page, ONE_CLICK)
    (note,) = notify_queue(
        to=["kim@example.com"], subject="New signup: {{ contact.email }}", body="See the profile.", context={}, now=now
    )
    assert note.status == OutboundMessage.Status.QUEUED
    assert sender.messages_send(now=now).sent == 1
    note.refresh_from_db()
    assert note.status == OutboundMessage.Status.SENT
    assert note.headers == {}  # no List-Unsubscribe on a notification


def test_an_email_still_waiting_to_be_sent_is_not_sent_after_an_unsubscribe(mail_client, page, kim, make_template, now):
    later = make_template(name="Tips", subject="Tips")
    (waiting,) = messages_queue(items=[QueueItem(contact=kim, template=later)], now=now + timedelta(hours=1))
    mail_client.post(page, ONE_CLICK)
    assert sender.messages_send(now=now + timedelta(hours=2)).sent == 0
    stored = OutboundMessage.objects.get(message_id=waiting.message_id)
    assert stored.status == OutboundMessage.Status.SKIPPED
    assert stored.skip_reason == "The contact unsubscribed from marketing email."


def test_the_page_is_in_the_language_of_the_email(mail_client, make_contact, make_template, now):
    template = make_template(name="Bilingual", translations={"de": {"subject": "Hallo", "html_body": "<p>Hallo</p>"}})
    anna = make_contact("anna@example.com", locale="de-AT")
    (row,) = messages_queue(items=[QueueItem(contact=anna, template=template)], now=now)
    path = urlsplit(row.headers["List-Unsubscribe"].strip("<>")).path
    response = mail_client.get(path, HTTP_ACCEPT_LANGUAGE="sv")
    assert '<html lang="de">' in response.content.decode()


def test_an_unsubscribe_decides_on_the_stored_consent_not_on_what_was_read_earlier(kim, welcome, sent, now):
    stale = OutboundMessage.objects.select_related("contact").get(pk=sent.pk)
    (other,) = messages_queue(items=[QueueItem(contact=kim, template=welcome)], now=now)
    assert feedback.contact_unsubscribe(
        message=OutboundMessage.objects.get(message_id=other.message_id), source="one-click", now=now
    )
    # The first message was read while Kim was still subscribed; unsubscribing from it records nothing more.
    assert stale.contact.email_consent == Contact.Consent.SUBSCRIBED
    assert not feedback.contact_unsubscribe(message=stale, source="one-click", now=now)
    assert Event.objects.filter(contact=kim, name="email_unsubscribed").count() == 1
    assert MessageEvent.objects.filter(kind=MessageEvent.Kind.UNSUBSCRIBED).count() == 1
    assert stale.contact.email_consent == Contact.Consent.UNSUBSCRIBED  # the message now holds what is stored
