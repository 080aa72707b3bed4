"""Django admin for email: templates are checked like everywhere else; messages are shown, not edited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from journeys.emails.sender import MAX_ATTEMPTS
from journeys.emails.services.outbox import QueueItem, messages_queue
from journeys.models import EmailTemplate, OutboundMessage


@pytest.fixture
def admin_client(client, admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def form_data(**fields):
    data = {
        "name": "Admin made",
        "language": "en",
        "subject": "Hello",
        "preheader": "",
        "html_body": "<p>Hi</p>",
        "text_body": "",
        "sender_name": "",
        "sender_email": "",
        "reply_to": "",
        "on_missing": "fallback",
        "is_active": "on",
        "translations-TOTAL_FORMS": "0",
        "translations-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def test_a_template_with_a_syntax_error_is_refused_in_admin(admin_client):
    response = admin_client.post(reverse("admin:journeys_emailtemplate_add"), form_data(subject="Hi {{ contact."))
    assert response.status_code == 200
    assert "Line 1:" in response.content.decode()
    assert not EmailTemplate.objects.exists()


def test_a_good_template_is_saved_in_admin(admin_client):
    response = admin_client.post(reverse("admin:journeys_emailtemplate_add"), form_data())
    assert response.status_code == 302
    assert EmailTemplate.objects.get().subject == "Hello"


def test_messages_are_listed_and_read_only(admin_client, make_contact, welcome, now):
    (row,) = messages_queue(items=[QueueItem(contact=make_contact(), template=welcome)], now=now)
    message = OutboundMessage.objects.get(message_id=row.message_id)
    listing = admin_client.get(reverse("admin:journeys_outboundmessage_changelist") + "?status=queued")
    assert "kim@example.com" in listing.content.decode()
    page = admin_client.get(reverse("admin:journeys_outboundmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert 'name="subject"' not in page.content.decode()  # shown, not editable


def test_an_admin_can_send_failed_messages_again(admin_client, make_contact, welcome, now):
    (row,) = messages_queue(items=[QueueItem(contact=make_contact(), template=welcome)], now=now)
    OutboundMessage.objects.filter(message_id=row.message_id).update(status="failed", attempts=MAX_ATTEMPTS)
    response = admin_client.post(
        reverse("admin:journeys_outboundmessage_changelist"),
        {"action": "retry_now", "_selected_action": [OutboundMessage.objects.get().pk]},
    )
    assert response.status_code == 302
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == ("queued", 0)
    assert message.next_attempt_at > now - timedelta(days=1)
