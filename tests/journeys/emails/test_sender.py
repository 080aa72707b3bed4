"""Delivery over real SMTP: what arrives at the server, retries of temporary failures, bounces on
permanent ones, one connection for a batch, and the local store when no server is configured."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.models import Contact
from flowbuilder.core.models import StoredEmail
from journeys.emails import sender
from journeys.emails.services.outbox import QueueItem, messages_queue, notify_queue
from journeys.models import MessageEvent, OutboundMessage


def queue(now, *pairs, **fields):
    rows = messages_queue(items=[QueueItem(contact=c, template=t, **fields) for c, t in pairs], now=now)
    return [OutboundMessage.objects.get(message_id=row.message_id) for row in rows]


def test_a_queued_email_arrives_with_its_headers_bodies_and_personalisation(smtp_server, make_contact, welcome, now):
    kim = make_contact("kim@example.com", first_name="Kim", attributes={"plan": "pro"})
    (message,) = queue(now, (kim, welcome))

    report = sender.messages_send(now=now)

    assert report.sent == 1
    (received,) = smtp_server.received
    email = received.message
    assert received.rcpt_tos == ["kim@example.com"]
    assert email["Subject"] == "Welcome, Kim!"
    assert email["From"] == "Shop <hello@shop.example.com>"
    assert email["Message-ID"] == message.message_id
    assert email["List-Unsubscribe"] == f"<{message.headers['List-Unsubscribe'].strip('<>')}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html, text = received.part("html"), received.part("plain")
    assert "Hi Kim," in html
    assert "Your plan: pro." in html
    assert 'style="color: #333366;font-size: 18px' in html  # CSS inlined
    assert "/t/c/" in html
    assert "https://shop.example.com/start" not in html
    assert "/t/o/" in html  # the open pixel
    assert "Hi Kim," in text
    assert "Unsubscribe:" in text
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.sent_at == now
    assert message.attempts == 1


def test_every_message_has_its_own_message_id(smtp_server, make_contact, welcome, now):
    contacts = [make_contact(f"c{i}@example.com") for i in range(3)]
    queue(now, *[(c, welcome) for c in contacts])
    sender.messages_send(now=now)
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert len(set(ids)) == 3
    assert all(i.endswith("@flowbuilder.mail>") for i in ids)


def test_a_batch_goes_over_one_connection(smtp_server, make_contact, welcome, now):
    queue(now, *[(make_contact(f"c{i}@example.com"), welcome) for i in range(5)])
    sender.messages_send(now=now)
    assert len(smtp_server.received) == 5
    opened = {received.peer for received in smtp_server.received}  # the server saw one client port
    assert len(opened) == 1


def test_a_temporary_failure_is_retried_later_with_backoff(smtp_server, make_contact, welcome, now):
    smtp_server.answers["busy@example.com"] = "450 4.2.1 Mailbox busy, try later"
    busy, fine = make_contact("busy@example.com"), make_contact("fine@example.com")
    queue(now, (busy, welcome), (fine, welcome))

    report = sender.messages_send(now=now)

    assert (report.sent, report.retrying) == (1, 1)
    message = OutboundMessage.objects.get(to_email="busy@example.com")
    assert message.status == OutboundMessage.Status.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert "450" in message.last_error
    # Not due yet: nothing happens; once due and the mailbox is free, it is delivered.
    assert sender.messages_send(now=now + timedelta(seconds=30)).retrying == 0
    del smtp_server.answers["busy@example.com"]
    assert sender.messages_send(now=now + timedelta(minutes=1)).sent == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboundMessage.Status.SENT, 2, "")
    assert busy.__class__.objects.get(pk=busy.pk).email_consent == Contact.Consent.SUBSCRIBED


def test_a_message_that_keeps_failing_temporarily_is_failed_after_the_last_attempt(
    smtp_server, make_contact, welcome, now
):
    smtp_server.answers["busy@example.com"] = "421 4.4.5 Too busy"
    (message,) = queue(now, (make_contact("busy@example.com"), welcome))
    moment = now
    for _attempt in range(sender.MAX_ATTEMPTS):
        sender.messages_send(now=moment)
        moment += timedelta(hours=1)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    assert message.attempts == sender.MAX_ATTEMPTS
    assert sender.messages_send(now=moment + timedelta(days=1)).retrying == 0


def test_a_permanent_failure_bounces_the_message_and_stops_marketing_email(smtp_server, make_contact, welcome, now):
    smtp_server.answers["gone@example.com"] = "550 5.1.1 No such user here"
    gone = make_contact("gone@example.com")
    (message,) = queue(now, (gone, welcome))

    report = sender.messages_send(now=now)

    assert report.bounced == 1
    assert smtp_server.received == []
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.BOUNCED
    assert message.last_error.startswith("550")
    gone.refresh_from_db()
    assert gone.email_consent == Contact.Consent.BOUNCED
    assert MessageEvent.objects.filter(message=message, kind=MessageEvent.Kind.BOUNCED).exists()
    assert gone.events.filter(name="email_bounced").exists()
    # The next marketing email is not sent, and says why.
    (second,) = queue(now + timedelta(days=1), (gone, welcome))
    assert second.status == OutboundMessage.Status.SKIPPED
    assert "bounced" in second.skip_reason.lower()


def test_a_refused_message_body_bounces_the_message_but_not_the_address(smtp_server, make_contact, welcome, now):
    smtp_server.data_answer = "554 5.7.1 Message rejected as spam"
    kim = make_contact("kim@example.com")
    (message,) = queue(now, (kim, welcome))
    assert sender.messages_send(now=now).bounced == 1
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.BOUNCED
    kim.refresh_from_db()
    assert kim.email_consent == Contact.Consent.SUBSCRIBED  # the content was refused, not the person


def test_a_server_that_refuses_the_mailbox_only_after_the_message_suppresses_it(
    smtp_server, make_contact, welcome, now
):
    smtp_server.data_answer = "550 5.1.1 The email account that you tried to reach does not exist"
    kim = make_contact("kim@example.com")
    queue(now, (kim, welcome))
    sender.messages_send(now=now)
    kim.refresh_from_db()
    assert kim.email_consent == Contact.Consent.BOUNCED


def test_after_a_bounce_the_contacts_other_queued_emails_are_not_sent(
    smtp_server, make_contact, make_template, welcome, now
):
    smtp_server.answers["gone@example.com"] = "550 5.1.1 No such user"
    gone = make_contact("gone@example.com")
    other = make_template(name="Second")
    _first, second = queue(now, (gone, welcome), (gone, other))
    report = sender.messages_send(now=now)
    assert (report.bounced, report.skipped) == (1, 1)
    second.refresh_from_db()
    assert second.status == OutboundMessage.Status.SKIPPED
    assert second.skip_reason == "The address bounced."


def test_an_email_queued_before_the_contact_unsubscribed_elsewhere_is_not_sent(smtp_server, make_contact, welcome, now):
    from contacts.services.contacts import contact_update

    kim = make_contact("kim@example.com")
    (message,) = queue(now, (kim, welcome))
    contact_update(contact=kim, data={"email_consent": "unsubscribed"}, now=now)
    report = sender.messages_send(now=now)
    assert (report.sent, report.skipped) == (0, 1)
    assert smtp_server.received == []
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SKIPPED
    assert "unsubscribed" in message.skip_reason


def test_a_refused_sender_fails_the_message_without_blaming_the_recipient(smtp_server, make_contact, welcome, now):
    smtp_server.mail_answer = "553 5.7.1 Sender address rejected: not owned by user"
    kim = make_contact("kim@example.com")
    (message,) = queue(now, (kim, welcome))
    assert sender.messages_send(now=now).failed == 1
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    kim.refresh_from_db()
    assert kim.email_consent == Contact.Consent.SUBSCRIBED


def test_an_unreachable_server_defers_the_batch_without_spending_attempts(settings, make_contact, welcome, now):
    settings.EMAIL_IS_LOCAL = False
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    queue(now, (make_contact("a@example.com"), welcome), (make_contact("b@example.com"), welcome))

    report = sender.messages_send(now=now)

    assert (report.sent, report.retrying) == (0, 2)
    for message in OutboundMessage.objects.all():
        assert message.status == OutboundMessage.Status.QUEUED
        assert message.attempts == 0
        assert message.next_attempt_at == now + sender.SERVER_RETRY
        assert "Connection" in message.last_error


def test_a_crash_before_the_commit_leaves_the_message_queued_with_the_same_message_id(
    smtp_server, make_contact, welcome, now, monkeypatch
):
    (message,) = queue(now, (make_contact("kim@example.com"), welcome))

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sender.OutboundMessage.objects, "filter", crash)
    with pytest.raises(SystemExit):
        sender.messages_send(now=now)
    monkeypatch.undo()
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED
    # Redelivered: the receiver sees the same Message-ID twice and can tell it is one email.
    sender.messages_send(now=now)
    assert [r.message["Message-ID"] for r in smtp_server.received] == [message.message_id] * 2


def test_skipped_messages_are_never_sent(smtp_server, make_contact, welcome, now):
    queue(now, (make_contact("out@example.com", email_consent="unsubscribed"), welcome))
    assert sender.messages_send(now=now).sent == 0
    assert smtp_server.received == []


def test_notifications_to_colleagues_are_sent_whatever_their_marketing_consent(smtp_server, make_contact, now):
    make_contact("sales@example.com", email_consent="unsubscribed")
    lead = make_contact("lead@example.com", first_name="Lee")
    notify_queue(
        to=["sales@example.com"],
        subject="New lead: {{ contact.email }}",
        body="{{ contact.first_name }} has a budget of {{ event.budget | number }}.",
        context={"contact": {"email": lead.email, "first_name": lead.first_name}, "event": {"budget": 12000}},
        now=now,
    )
    assert sender.messages_send(now=now).sent == 1
    (received,) = smtp_server.received
    assert received.message["Subject"] == "New lead: lead@example.com"
    assert "Lee has a budget of 12,000." in received.part("plain")
    assert received.message["List-Unsubscribe"] is None


def test_without_an_smtp_server_messages_land_in_the_outbox(settings, make_contact, welcome, now):
    settings.EMAIL_IS_LOCAL = True
    (message,) = queue(now, (make_contact("kim@example.com", first_name="Kim"), welcome))
    assert sender.messages_send(now=now).sent == 1
    stored = StoredEmail.objects.get()
    assert stored.message_id == message.message_id
    assert stored.to == ["kim@example.com"]
    assert stored.subject == "Welcome, Kim!"
    assert stored.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT


def test_a_header_cannot_be_injected_through_a_name(smtp_server, make_contact, make_template, now):
    template = make_template(subject="Hello {{ contact.first_name }}")
    evil = make_contact("kim@example.com", first_name="Kim\r\nBcc: victim@example.com")
    queue(now, (evil, template))
    sender.messages_send(now=now)
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["kim@example.com"]
    assert received.message["Bcc"] is None
    assert "\n" not in received.message["Subject"]
