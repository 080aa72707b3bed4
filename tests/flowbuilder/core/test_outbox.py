from __future__ import annotations

from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings
from django.urls import reverse

from flowbuilder.core.models import StoredEmail

LOCAL = override_settings(EMAIL_BACKEND="flowbuilder.core.mail.StoredEmailBackend")


def send_welcome(to: str = "kim@example.com") -> None:
    message = EmailMultiAlternatives(
        subject="Welcome, Kim",
        body="Hello Kim,\nwelcome aboard.",
        from_email="Shop <hello@shop.example>",
        to=[to],
        reply_to=["help@shop.example"],
        headers={"List-Unsubscribe": "<https://shop.example/u/1>", "Message-ID": "<abc@shop.example>"},
    )
    message.attach_alternative("<h1>Hello Kim</h1><script>alert(1)</script>", "text/html")
    message.send()


@LOCAL
def test_the_local_backend_stores_every_part_of_the_message(db):
    send_welcome()
    stored = StoredEmail.objects.get()
    assert stored.to == ["kim@example.com"]
    assert stored.reply_to == ["help@shop.example"]
    assert stored.subject == "Welcome, Kim"
    assert stored.text_body == "Hello Kim,\nwelcome aboard."
    assert stored.html_body.startswith("<h1>Hello Kim</h1>")
    assert stored.message_id == "<abc@shop.example>"
    assert stored.headers == {"List-Unsubscribe": "<https://shop.example/u/1>"}


@LOCAL
def test_a_message_without_a_message_id_gets_one(db):
    mail.send_mail("Hi", "text", "a@example.com", ["b@example.com"])
    assert StoredEmail.objects.get().message_id.endswith("@flowbuilder.local>")


@LOCAL
def test_the_outbox_page_lists_and_searches_stored_messages(client, viewer):
    send_welcome("kim@example.com")
    mail.send_mail("Your invoice", "text", "a@example.com", ["lee@example.com"])
    client.force_login(viewer)
    page = client.get(reverse("core:outbox")).content.decode()
    assert "Welcome, Kim" in page
    assert "Your invoice" in page
    found = client.get(reverse("core:outbox"), {"q": "lee@"}).content.decode()
    assert "Your invoice" in found
    assert "Welcome, Kim" not in found


@LOCAL
def test_a_stored_message_shows_its_html_in_a_sandbox_that_runs_no_script(client, viewer):
    send_welcome()
    client.force_login(viewer)
    page = client.get(reverse("core:outbox_message", args=[StoredEmail.objects.get().pk])).content.decode()
    assert 'sandbox title="HTML body"' in page
    assert 'srcdoc="&lt;h1&gt;Hello Kim&lt;/h1&gt;&lt;script&gt;' in page
    assert "<script>alert(1)</script>" not in page
    assert "List-Unsubscribe" in page


def test_the_outbox_has_a_helpful_empty_state(client, viewer):
    client.force_login(viewer)
    assert "The outbox is empty" in client.get(reverse("core:outbox")).content.decode()
