"""Queueing marketing email: rendered for each contact in their language, once per journey step,
and a recorded reason for every contact who does not get it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import LifecycleStage
from contacts.services.contacts import contact_upsert, stages_set
from journeys.emails.services.outbox import QueueItem, message_test_send, messages_queue, notify_queue
from journeys.emails.services.templates import template_preview
from journeys.models import EmailTemplate, Enrollment, Journey, OutboundMessage


def queue_one(now, contact, template, **fields):
    (row,) = messages_queue(items=[QueueItem(contact=contact, template=template, **fields)], now=now)
    return OutboundMessage.objects.get(message_id=row.message_id)


GERMAN = {
    "subject": "Willkommen, {{ contact.first_name | default('du') }}!",
    "preheader": "Schön, dass du da bist",
    "html_body": "<p>Hallo {{ contact.first_name }}, du hast {{ contact.total_revenue | money }} ausgegeben"
    " (am {{ event.ordered_at | date }}).</p>",
}


def test_a_contact_gets_the_email_rendered_for_them(make_contact, welcome, now):
    kim = make_contact("kim@example.com", first_name="Kim", attributes={"plan": "pro"})
    message = queue_one(now, kim, welcome)
    assert message.status == OutboundMessage.Status.QUEUED
    assert message.subject == "Welcome, Kim!"
    assert message.to_email == "kim@example.com"
    assert message.from_email == "Shop <hello@shop.example.com>"
    assert "Your plan: pro." in message.html_body
    assert "Good to have you here" in message.html_body  # the preheader, hidden at the top
    assert message.text_body.startswith("Hi Kim,")
    assert message.links == ["https://shop.example.com/start?utm_source=email&step=1"]
    assert message.language == "en"
    assert message.next_attempt_at == now


def test_a_german_contact_gets_the_german_version_with_german_formats(make_contact, make_template, now):
    template = make_template(translations={"de": GERMAN})
    anna = make_contact("anna@example.com", first_name="Anna", locale="de-AT")
    message = queue_one(now, anna, template, event={"ordered_at": "2026-03-05T10:00:00+00:00"})
    assert message.language == "de"
    assert message.subject == "Willkommen, Anna!"
    assert "0,00\xa0€" in message.html_body
    assert "05.03.2026" in message.html_body


def test_a_language_the_template_lacks_falls_back_to_its_own(make_contact, make_template, now):
    template = make_template(translations={"de": GERMAN})
    lars = make_contact("lars@example.com", first_name="Lars", locale="sv")
    message = queue_one(now, lars, template)
    assert message.language == "en"
    assert message.subject == "Welcome, Lars!"


def test_a_contact_without_a_language_gets_the_default(make_contact, make_template, now):
    template = make_template(translations={"de": GERMAN})
    assert queue_one(now, make_contact("x@example.com"), template).subject == "Welcome, there!"


def test_the_contact_stage_is_named_in_their_language(make_contact, make_template, now):
    template = make_template(
        subject="{{ contact.stage }}", translations={"de": {**GERMAN, "subject": "{{ contact.stage }}"}}
    )
    anna = make_contact("anna@example.com", locale="de")
    stages_set(contact_ids=[anna.pk], stage=LifecycleStage.objects.get(key="customer"), cause="manual", now=now)
    anna.refresh_from_db()
    assert queue_one(now, anna, template).subject == "Kunde"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"email_consent": "unsubscribed"}, "unsubscribed"),
        ({"email_consent": "bounced"}, "bounced"),
        ({"email_consent": "complained"}, "spam"),
    ],
)
def test_contacts_who_may_not_get_marketing_email_are_skipped_with_the_reason(
    make_contact, welcome, now, fields, reason
):
    message = queue_one(now, make_contact("no@example.com", **fields), welcome)
    assert message.status == OutboundMessage.Status.SKIPPED
    assert reason in message.skip_reason
    assert message.html_body == ""
    assert message.next_attempt_at is None


def test_a_contact_without_an_address_is_skipped(welcome, now):
    contact, _ = contact_upsert(external_id="u-1", data={"first_name": "Nobody"}, now=now)
    message = queue_one(now, contact, welcome)
    assert message.status == OutboundMessage.Status.SKIPPED
    assert "no email address" in message.skip_reason


def test_missing_values_are_left_empty_by_default(make_contact, make_template, now):
    template = make_template(subject="Your {{ contact.attributes.plan }} plan")
    message = queue_one(now, make_contact("kim@example.com"), template)
    assert message.status == OutboundMessage.Status.QUEUED
    assert message.subject == "Your plan"


def test_a_skip_template_skips_contacts_missing_a_value_and_names_it(make_contact, make_template, now):
    template = make_template(subject="Your {{ contact.attributes.plan }} plan", on_missing="skip")
    message = queue_one(now, make_contact("kim@example.com"), template)
    assert message.status == OutboundMessage.Status.SKIPPED
    assert message.skip_reason == "Missing values: contact.attributes.plan"
    # A fallback written into the template is not missing.
    template = make_template(
        name="With fallback", subject="Your {{ contact.attributes.plan | default('free') }} plan", on_missing="skip"
    )
    assert queue_one(now, make_contact("lee@example.com"), template).subject == "Your free plan"


def test_a_template_that_fails_for_a_contact_is_skipped_not_crashed(make_contact, make_template, now):
    template = make_template(subject="{{ 100 / contact.attributes.seats }} per seat")
    ok = make_contact("ok@example.com", attributes={"seats": 4})
    zero = make_contact("zero@example.com", attributes={"seats": 0})
    rows = messages_queue(
        items=[QueueItem(contact=ok, template=template), QueueItem(contact=zero, template=template)], now=now
    )
    assert [r.status for r in rows] == ["queued", "skipped"]
    assert rows[0].subject == "25.0 per seat"
    assert "ZeroDivisionError" in rows[1].skip_reason


def test_a_step_can_override_the_sender_and_subject(make_contact, welcome, now):
    message = queue_one(
        now,
        make_contact("kim@example.com", first_name="Kim"),
        welcome,
        sender_name="Sales\nTeam",
        sender_email="sales@shop.example.com",
        subject="Just for you, {{ contact.first_name }}",
    )
    assert message.from_email == "Sales Team <sales@shop.example.com>"
    assert message.subject == "Just for you, Kim"


def test_the_unsubscribe_link_and_headers_are_in_every_marketing_email(make_contact, welcome, now):
    message = queue_one(now, make_contact("kim@example.com"), welcome)
    unsubscribe = message.headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://127.0.0.1:8000/u/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{unsubscribe}"' in message.html_body
    assert unsubscribe in message.text_body
    assert unsubscribe not in message.links  # not tracked as a click


@pytest.fixture
def enrollment(db, make_contact, welcome_graph_for, now):
    journey, version = welcome_graph_for
    return lambda contact: Enrollment.objects.create(
        journey=journey, version=version, contact=contact, node_id="mail", trigger_key=f"t:{contact.pk}", entered_at=now
    )


@pytest.fixture
def welcome_graph_for(welcome_journey):
    return welcome_journey


def test_a_journey_step_queues_its_email_once_however_often_it_runs(
    make_contact, welcome, enrollment, welcome_graph_for, now
):
    journey, version = welcome_graph_for
    kim = make_contact("kim@example.com")
    kim_enrollment = enrollment(kim)
    item = QueueItem(
        contact=kim, template=welcome, enrollment_id=kim_enrollment.pk, journey=journey, version=version, node_id="mail"
    )
    first = messages_queue(items=[item, item], now=now)
    again = messages_queue(items=[item], now=now + timedelta(minutes=5))
    assert len(first) == 1
    assert again == []
    message = OutboundMessage.objects.get()
    assert (message.journey, message.version, message.node_id, message.enrollment) == (
        journey,
        version,
        "mail",
        kim_enrollment,
    )


def test_the_database_refuses_a_second_email_for_the_same_step(make_contact, welcome, enrollment, now):
    kim = make_contact("kim@example.com")
    kim_enrollment = enrollment(kim)
    messages_queue(
        items=[QueueItem(contact=kim, template=welcome, enrollment_id=kim_enrollment.pk, node_id="mail")], now=now
    )
    duplicate = OutboundMessage.objects.get()
    duplicate.pk, duplicate.message_id = None, "<other@flowbuilder.mail>"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_a_batch_is_rendered_with_a_handful_of_queries(make_contact, make_template, django_assert_max_num_queries, now):
    template = make_template(translations={"de": GERMAN})
    contacts = [
        make_contact(f"c{i}@example.com", locale="de" if i % 2 else "en", first_name=f"C{i}") for i in range(40)
    ]
    for contact in contacts:
        contact.refresh_from_db()
    with django_assert_max_num_queries(6):
        rows = messages_queue(items=[QueueItem(contact=c, template=template) for c in contacts], now=now)
    assert len(rows) == 40
    assert {r.language for r in rows} == {"de", "en"}


def test_preview_lists_missing_values(make_contact, make_template):
    template = make_template(subject="{{ contact.first_name }} on {{ contact.attributes.plan }}")
    preview = template_preview(template=template, contact=make_contact("kim@example.com", first_name="Kim"))
    assert preview.subject == "Kim on"
    assert preview.missing == ["contact.attributes.plan"]


def test_preview_in_a_chosen_language(make_contact, make_template):
    template = make_template(translations={"de": GERMAN})
    preview = template_preview(
        template=template, contact=make_contact("kim@example.com", first_name="Kim"), language="de"
    )
    assert preview.language == "de"
    assert preview.subject == "Willkommen, Kim!"
    with pytest.raises(ValidationError, match="not a language Flowbuilder supports"):
        template_preview(template=template, contact=make_contact("lee@example.com"), language="xx")


def test_a_test_send_is_not_tracked_and_has_no_unsubscribe(welcome, db):
    message = message_test_send(template=welcome, to="me@example.com")
    assert message.kind == OutboundMessage.Kind.TEST
    assert message.subject == "[Test] Welcome, Alex!"
    assert message.links == []
    assert "/t/c/" not in message.html_body
    assert "/t/o/" not in message.html_body
    assert "List-Unsubscribe" not in message.headers


@pytest.mark.parametrize("address", ["not-an-address", "a@b@c", "kim@example.com\nBcc: x@example.com", ""])
def test_a_test_send_to_an_invalid_address_is_refused(welcome, address):
    with pytest.raises(ValidationError) as error:
        message_test_send(template=welcome, to=address)
    assert "to" in error.value.message_dict
    assert not OutboundMessage.objects.exists()


def test_notify_renders_subject_and_body_in_plain_text(db, now):
    (message,) = notify_queue(
        to=["sales@example.com"],
        subject="Lead {{ contact.email }}",
        body="<b>{{ contact.first_name }}</b>",
        context={"contact": {"email": "kim@example.com", "first_name": "Kim"}},
        now=now,
    )
    assert message.kind == OutboundMessage.Kind.TRANSACTIONAL
    assert message.subject == "Lead kim@example.com"
    assert message.text_body == "<b>Kim</b>"  # plain text: nothing to escape
    assert message.html_body == ""


def test_a_template_saved_with_a_syntax_error_changes_nothing(welcome):
    from journeys.emails.services.templates import template_save

    with pytest.raises(ValidationError) as error:
        template_save(
            template=welcome, data={"name": "Welcome", "subject": "Hi {{ contact.first_name", "html_body": "<p>x</p>"}
        )
    assert error.value.message_dict["subject"][0].startswith("Line 1:")
    welcome.refresh_from_db()
    assert welcome.subject == "Welcome, {{ contact.first_name | default('there') }}!"
    assert EmailTemplate.objects.count() == 1
    assert Journey.objects.count() == 0


def test_the_unsubscribe_footer_is_in_the_language_of_the_email(make_contact, make_template, now):
    template = make_template(
        html_body="<html><body><p>Hi</p></body></html>",
        translations={"de": {"subject": "Hallo", "html_body": "<html><body><p>Hallo</p></body></html>"}},
    )
    german = queue_one(now, make_contact("anna@example.com", locale="de"), template)
    english = queue_one(now, make_contact("kim@example.com"), template)
    assert ">Abmelden</a>" in german.html_body
    assert "Abmelden:" in german.text_body
    assert ">Unsubscribe</a>" in english.html_body


def test_a_template_with_its_own_unsubscribe_link_gets_no_second_one(make_contact, make_template, now):
    template = make_template(
        html_body='<html><body><a href="{{ unsubscribe_url }}">Leave</a></body></html>',
        text_body="Leave: {{ unsubscribe_url }}",
    )
    message = queue_one(now, make_contact(), template)
    unsubscribe = message.headers["List-Unsubscribe"].strip("<>")
    assert message.html_body.count(unsubscribe) == 1
    assert message.text_body.count(unsubscribe) == 1
