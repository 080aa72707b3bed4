"""The templates API as the editor and integrations use it: create, read, change and delete
templates with their translations, every part checked on save; preview, test send, the variables
a template may use; and no way through it to run code."""

from __future__ import annotations

import pytest

from contacts.services.contacts import contact_upsert
from journeys.emails import sender
from journeys.emails.services.outbox import QueueItem, messages_queue
from journeys.models import EmailTemplate, EmailTemplateTranslation, OutboundMessage

URL = "/api/v1/templates/"

GERMAN = {
    "subject": "Willkommen, {{ contact.first_name | default('du') }}!",
    "html_body": "<p>Hallo {{ contact.first_name | default('du') }}, dein Plan: {{ contact.attributes.plan }}.</p>",
}
NEW = {
    "name": "Trial ending",
    "language": "en",
    "subject": "Your trial ends soon, {{ contact.first_name | default('there') }}",
    "preheader": "Three days left",
    "html_body": "<p>Hi {{ contact.first_name | default('there') }}, plan {{ contact.attributes.plan }}.</p>",
    "sender_name": "Shop",
    "sender_email": "hello@shop.example.com",
    "reply_to": "help@shop.example.com",
    "translations": {"de": GERMAN},
}


@pytest.fixture
def api(api_client, marketer):
    api_client.force_authenticate(marketer)
    return api_client


@pytest.fixture
def viewer_api(api_client, viewer):
    api_client.force_authenticate(viewer)
    return api_client


def created(api, **changes):
    response = api.post(URL, {**NEW, **changes})
    assert response.status_code == 201, response.json()
    return response.json()


def refused(response, field):
    """The error of a 400 about ``field``: its messages (and the overall message)."""
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    return error["fields"][field]


# --- create, read, change, delete ---------------------------------------------------------------


def test_a_marketer_creates_a_template_with_a_translation(api):
    body = created(api)
    assert body["name"] == "Trial ending"
    assert body["subject"] == NEW["subject"]
    assert body["sender_email"] == "hello@shop.example.com"
    assert body["on_missing"] == "fallback"
    assert body["is_active"] is True
    assert body["translations"] == {
        "de": {"subject": GERMAN["subject"], "preheader": "", "html_body": GERMAN["html_body"], "text_body": ""}
    }
    template = EmailTemplate.objects.get(pk=body["id"])
    assert template.translations.get().language == "de"


def test_a_template_reads_back_alone_and_in_the_list(api):
    body = created(api)
    assert api.get(f"{URL}{body['id']}/").json() == body
    listed = api.get(URL).json()
    assert listed["count"] == 1
    assert listed["results"] == [body]


def test_a_patch_changes_only_what_it_names(api):
    body = created(api)
    response = api.patch(f"{URL}{body['id']}/", {"subject": "Only {{ contact.first_name }} changed"})
    assert response.status_code == 200, response.json()
    changed = response.json()
    assert changed["subject"] == "Only {{ contact.first_name }} changed"
    assert {k: v for k, v in changed.items() if k not in ("subject", "updated_at")} == {
        k: v for k, v in body.items() if k not in ("subject", "updated_at")
    }


def test_a_patch_with_translations_replaces_them(api):
    body = created(api)
    dutch = {"subject": "Welkom", "html_body": "<p>Hoi</p>"}
    changed = api.patch(f"{URL}{body['id']}/", {"translations": {"nl": dutch}}).json()
    assert set(changed["translations"]) == {"nl"}
    assert list(EmailTemplateTranslation.objects.values_list("language", flat=True)) == ["nl"]
    assert set(api.patch(f"{URL}{body['id']}/", {"translations": {}}).json()["translations"]) == set()


def test_a_template_can_be_switched_off_and_set_to_skip(api):
    body = created(api)
    changed = api.patch(f"{URL}{body['id']}/", {"is_active": False, "on_missing": "skip"}).json()
    assert (changed["is_active"], changed["on_missing"]) == (False, "skip")


def test_a_template_without_messages_can_be_deleted(api):
    body = created(api)
    assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert not EmailTemplate.objects.exists()
    assert api.get(f"{URL}{body['id']}/").status_code == 404


def test_a_template_that_has_sent_emails_cannot_be_deleted(api, make_contact, now):
    body = created(api)
    template = EmailTemplate.objects.get(pk=body["id"])
    messages_queue(items=[QueueItem(contact=make_contact("kim@example.com"), template=template)], now=now)
    sender.messages_send(now=now)
    response = api.delete(f"{URL}{body['id']}/")
    assert response.status_code == 400
    assert "switch it off instead" in response.json()["error"]["message"]
    assert EmailTemplate.objects.filter(pk=body["id"]).exists()


def test_a_template_whose_emails_were_all_not_sent_cannot_be_deleted_either(api, now):
    body = created(api)
    template = EmailTemplate.objects.get(pk=body["id"])
    no_address, _created = contact_upsert(external_id="u-1", now=now)
    messages_queue(items=[QueueItem(contact=no_address, template=template)], now=now)
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.SKIPPED
    assert api.delete(f"{URL}{body['id']}/").status_code == 400  # "why was it not sent" stays answerable


def test_a_template_with_only_test_sends_can_be_deleted(api):
    body = created(api)
    assert api.post(f"{URL}{body['id']}/test-send/", {"to": "me@example.com"}).status_code == 202
    assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert OutboundMessage.objects.get().template is None  # the outbox keeps the test send


def test_a_template_that_does_not_exist_is_a_404(api, db):
    for method in (api.get, api.patch, api.delete):
        response = method(f"{URL}999999/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_viewer_may_read_but_not_write(viewer_api, welcome):
    assert viewer_api.get(URL).status_code == 200
    assert viewer_api.get(f"{URL}{welcome.pk}/").status_code == 200
    assert viewer_api.get(f"{URL}{welcome.pk}/report/").status_code == 200
    assert viewer_api.get(f"{URL}variables/").status_code == 200
    for response in (
        viewer_api.post(URL, NEW),
        viewer_api.patch(f"{URL}{welcome.pk}/", {"name": "Mine now"}),
        viewer_api.delete(f"{URL}{welcome.pk}/"),
        viewer_api.post(f"{URL}{welcome.pk}/test-send/", {"to": "me@example.com"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    welcome.refresh_from_db()
    assert welcome.name == "Welcome"
    assert EmailTemplate.objects.count() == 1
    assert not OutboundMessage.objects.exists()


def test_a_viewer_may_preview(viewer_api, welcome):
    assert viewer_api.post(f"{URL}{welcome.pk}/preview/", {}).status_code == 200


def test_nobody_logged_out_gets_in(api_client, welcome):
    assert api_client.get(URL).status_code in (401, 403)
    assert api_client.post(URL, NEW).status_code in (401, 403)
    assert EmailTemplate.objects.count() == 1


# --- what saving checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "line"),
    [
        ({"html_body": "<p>Hi</p>\n<p>\n{{ contact.first_name }</p>"}, "html_body", 3),
        ({"subject": "Hi {% if contact.first_name %}"}, "subject", 1),
        ({"text_body": "Hi\n\n{{ contact. }}"}, "text_body", 3),
        ({"preheader": "{{ contact.first_name | }}"}, "preheader", 1),
        ({"translations": {"de": {**GERMAN, "html_body": "<p>\n{% for x in %}</p>"}}}, "translations.de.html_body", 2),
        ({"translations": {"de": {**GERMAN, "subject": "Hallo {{"}}}, "translations.de.subject", 1),
    ],
)
def test_a_syntax_error_in_any_part_is_a_400_naming_the_field_and_line(api, changes, field, line):
    (message,) = refused(api.post(URL, {**NEW, **changes}), field)
    assert message.startswith(f"Line {line}: ")
    assert not EmailTemplate.objects.exists()


def test_a_syntax_error_in_a_patch_changes_nothing(api):
    body = created(api)
    response = api.patch(f"{URL}{body['id']}/", {"name": "Renamed", "html_body": "{% if %}"})
    refused(response, "html_body")
    assert api.get(f"{URL}{body['id']}/").json() == body


def test_two_templates_cannot_have_the_same_name(api):
    created(api)
    (message,) = refused(api.post(URL, {**NEW, "name": "trial ENDING"}), "name")
    assert message == "Another template is already called “trial ENDING”."
    other = created(api, name="Other")
    refused(api.patch(f"{URL}{other['id']}/", {"name": "Trial ending"}), "name")


def test_a_template_needs_a_name_a_subject_and_a_body(api, db):
    response = api.post(URL, {"name": " ", "subject": "", "html_body": "", "text_body": ""})
    for field in ("name", "subject", "html_body"):
        refused(response, field)


@pytest.mark.parametrize("field", ["sender_email", "reply_to"])
@pytest.mark.parametrize("address", ["not an address", "kim@", "kim@example.com\r\nBcc: all@example.com"])
def test_sender_and_reply_to_must_be_email_addresses(api, field, address):
    refused(api.post(URL, {**NEW, field: address}), field)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\nBcc: everyone@example.com"),
        ("subject", "Hello\rthere"),
        ("preheader", "one\ntwo"),
        ("sender_name", "Shop\r\nBcc: everyone@example.com"),
        ("sender_name", "Shop\n"),
    ],
)
def test_line_breaks_are_refused_where_they_would_reach_a_header(api, field, value):
    assert refused(api.post(URL, {**NEW, field: value}), field) == ["Line breaks are not allowed here."]


def test_a_translation_in_a_language_we_do_not_support_is_refused_clearly(api, db):
    (message,) = refused(api.post(URL, {**NEW, "translations": {"fr": GERMAN}}), "translations.fr")
    assert message == "“fr” is not a language Flowbuilder supports. Use one of: en, de, nl, sv."


def test_a_translation_into_the_templates_own_language_is_refused(api, db):
    refused(api.post(URL, {**NEW, "translations": {"en": GERMAN}}), "translations.en")


def test_a_translation_must_be_an_object_of_texts(api, db):
    refused(api.post(URL, {**NEW, "translations": {"de": "Hallo"}}), "translations.de")
    refused(api.post(URL, {**NEW, "translations": ["de"]}), "translations")
    refused(api.post(URL, {**NEW, "translations": {"de": {**GERMAN, "subject": ["x"]}}}), "translations.de.subject")


def test_an_unsupported_default_language_is_refused(api, db):
    refused(api.post(URL, {**NEW, "language": "klingon"}), "language")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "x" * 151}, "name"),
        ({"subject": "x" * 301}, "subject"),
        ({"preheader": "x" * 301}, "preheader"),
        ({"sender_name": "x" * 151}, "sender_name"),
        ({"translations": {"de": {**GERMAN, "subject": "x" * 301}}}, "translations.de.subject"),
        ({"translations": {"de": {**GERMAN, "preheader": "x" * 301}}}, "translations.de.preheader"),
    ],
)
def test_a_text_longer_than_its_field_is_a_400_not_a_database_error(api, db, changes, field):
    refused(api.post(URL, {**NEW, **changes}), field)
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"html_body": "<p>a\x00b</p>"}, "html_body"),
        ({"name": "Nul\x00"}, "name"),
        ({"translations": {"de": {**GERMAN, "text_body": "a\x00"}}}, "translations.de.text_body"),
    ],
)
def test_nul_characters_are_a_400_not_a_database_error(api, db, changes, field):
    refused(api.post(URL, {**NEW, **changes}), field)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"is_active": "false"}, "is_active"),
        ({"on_missing": "sometimes"}, "on_missing"),
        ({"name": ["a list"]}, "name"),
        ({"sender_email": 42}, "sender_email"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(api, db, changes, field):
    refused(api.post(URL, {**NEW, **changes}), field)
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize("body", [[NEW], "a template", 3])
def test_a_body_that_is_not_an_object_is_refused(api, db, body):
    assert api.post(URL, body).status_code == 400


# --- preview ------------------------------------------------------------------------------------


def test_the_preview_renders_as_a_real_contact_in_the_chosen_language(api, make_contact):
    body = created(api)
    anna = make_contact("anna@example.com", first_name="Anna", locale="en")
    response = api.post(f"{URL}{body['id']}/preview/", {"contact_id": anna.pk, "language": "de"})
    assert response.status_code == 200, response.json()
    preview = response.json()
    assert preview["language"] == "de"
    assert preview["subject"] == "Willkommen, Anna!"
    assert "Hallo Anna" in preview["html"]
    assert preview["missing"] == ["contact.attributes.plan"]


def test_the_preview_uses_the_contacts_own_language_without_one_chosen(api, make_contact):
    body = created(api)
    anna = make_contact("anna@example.com", first_name="Anna", locale="de-AT", attributes={"plan": "pro"})
    preview = api.post(f"{URL}{body['id']}/preview/", {"contact_id": anna.pk}).json()
    assert (preview["language"], preview["subject"], preview["missing"]) == ("de", "Willkommen, Anna!", [])
    assert "dein Plan: pro." in preview["html"]


def test_the_preview_of_a_contact_that_does_not_exist_is_a_404(api):
    body = created(api)
    assert api.post(f"{URL}{body['id']}/preview/", {"contact_id": 999999}).status_code == 404


# --- test send ----------------------------------------------------------------------------------


def test_a_test_send_queues_an_untracked_email_marked_as_a_test(api):
    body = created(api, html_body='<p>Hi {{ contact.first_name }}</p><a href="https://shop.example.com/">Shop</a>')
    response = api.post(f"{URL}{body['id']}/test-send/", {"to": "me@example.com"})
    assert response.status_code == 202, response.json()
    message = OutboundMessage.objects.get(message_id=response.json()["message_id"])
    assert message.kind == OutboundMessage.Kind.TEST
    assert message.status == OutboundMessage.Status.QUEUED
    assert message.to_email == "me@example.com"
    assert message.subject == "[Test] Your trial ends soon, Alex"
    assert message.links == []
    assert "/t/c/" not in message.html_body
    assert "/t/o/" not in message.html_body
    assert 'href="https://shop.example.com/"' in message.html_body
    assert "List-Unsubscribe" not in message.headers
    assert "/u/" not in message.html_body
    assert "/u/" not in message.text_body
    # It is not marketing email: it is in no report.
    assert api.get(f"{URL}{body['id']}/report/").json()["sent"] == 0


def test_a_test_send_in_a_chosen_language(api):
    body = created(api)
    response = api.post(f"{URL}{body['id']}/test-send/", {"to": "me@example.com", "language": "de"})
    message = OutboundMessage.objects.get(message_id=response.json()["message_id"])
    assert (message.subject, message.language) == ("[Test] Willkommen, Alex!", "de")


def test_a_test_send_can_render_as_a_real_contact(api, make_contact):
    body = created(api)
    kim = make_contact("kim@example.com", first_name="Kim")
    response = api.post(f"{URL}{body['id']}/test-send/", {"to": "me@example.com", "contact_id": kim.pk})
    message = OutboundMessage.objects.get(message_id=response.json()["message_id"])
    assert message.subject == "[Test] Your trial ends soon, Kim"
    assert message.to_email == "me@example.com"  # never to the contact


@pytest.mark.parametrize("to", ["", "me", "me@", "me@example.com\nBcc: x@example.com", None])
def test_a_test_send_needs_a_valid_address(api, to):
    body = created(api)
    refused(api.post(f"{URL}{body['id']}/test-send/", {"to": to}), "to")
    assert not OutboundMessage.objects.exists()


def test_a_test_send_in_an_unsupported_language_is_refused(api):
    body = created(api)
    refused(api.post(f"{URL}{body['id']}/test-send/", {"to": "me@example.com", "language": "fr"}), "language")


def test_a_test_send_with_a_language_that_is_not_a_text_is_a_400(api):
    body = created(api)
    response = api.post(f"{URL}{body['id']}/test-send/", {"to": "me@example.com", "language": 5})
    assert response.status_code == 400


# --- variables ----------------------------------------------------------------------------------


def test_the_variables_list_contact_fields_and_known_attributes(api, make_contact):
    make_contact("kim@example.com", attributes={"plan": "pro", "trial_ends_at": "2026-12-01"})
    variables = api.get(f"{URL}variables/").json()
    for name in ("contact.email", "contact.first_name", "contact.stage", "contact.total_revenue"):
        assert name in variables["contact"]
    assert "contact.attributes.plan" in variables["contact"]
    assert "contact.attributes.trial_ends_at" in variables["contact"]
    assert "unsubscribe_url" in variables["other"]
    assert "journey.name" in variables["other"]


# --- template injection -------------------------------------------------------------------------

LOADING = ["{% import 'x' as y %}", "{% from 'x' import y %}", "{% include 'base.html' %}", "{% extends 'base.html' %}"]
PRIVATE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ contact.__class__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ (1).__class__.__base__ }}",
    "{{ contact|attr('__class__') }}",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{% set x = ''.__class__ %}{{ x }}",
    "{{ config.items() }}",
]
NOTHING_THERE = ["{{ config }}", "{{ lipsum.__globals__ }}", "{{ request.environ }}", "{{ namespace }}", "{{ cycler }}"]


@pytest.mark.parametrize("attempt", LOADING)
def test_loading_other_templates_is_refused_on_save(api, attempt):
    response = api.post(URL, {**NEW, "translations": {"de": {**GERMAN, "text_body": attempt}}})
    (message,) = refused(response, "translations.de.text_body")
    assert message == "Line 1: templates cannot import, include or extend other templates."
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize("attempt", PRIVATE)
def test_reaching_into_python_is_refused_when_rendered(api, make_contact, attempt):
    kim = make_contact("kim@example.com", first_name="Kim")
    body = created(api, html_body=f"<p>Hi {attempt}</p>", translations={})
    response = api.post(f"{URL}{body['id']}/preview/", {"contact_id": kim.pk})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("The template cannot be rendered: ")
    # Unsaved content in the editor's preview is refused the same way.
    response = api.post(f"{URL}{body['id']}/preview/", {"content": {"subject": "Hi", "html_body": attempt}})
    assert response.status_code == 400


@pytest.mark.parametrize("attempt", NOTHING_THERE)
def test_names_a_template_was_not_given_render_as_nothing(api, make_contact, attempt):
    kim = make_contact("kim@example.com", first_name="Kim")
    body = created(api, html_body=f"<p>Hi {attempt}!</p>", translations={})
    response = api.post(f"{URL}{body['id']}/preview/", {"contact_id": kim.pk})
    assert response.status_code == 200
    assert "<p>Hi !</p>" in response.json()["html"]


@pytest.mark.parametrize("attempt", ["{{ ''.__class__.__mro__ }}", "{{ config }}", "{{ self.__init__ }}"])
def test_template_injection_in_the_subject_never_reaches_an_inbox(api, make_contact, now, attempt):
    body = created(api, subject=f"Hi {attempt}", translations={})
    kim = make_contact("kim@example.com")
    template = EmailTemplate.objects.get(pk=body["id"])
    (row,) = messages_queue(items=[QueueItem(contact=kim, template=template)], now=now)
    sender.messages_send(now=now)
    message = OutboundMessage.objects.get(message_id=row.message_id)
    if message.status == OutboundMessage.Status.SKIPPED:
        assert message.skip_reason.startswith("The template cannot be rendered")
    else:
        assert message.status == OutboundMessage.Status.SENT
        assert message.subject == "Hi"


@pytest.mark.parametrize("attempt", ["{{ range }}", "{{ self }}"])
def test_printing_what_jinja_keeps_shows_no_python_internals(api, make_contact, attempt):
    kim = make_contact("kim@example.com", first_name="Kim")
    body = created(api, html_body=f"<p>Hi {attempt}!</p>", translations={})
    html = api.post(f"{URL}{body['id']}/preview/", {"contact_id": kim.pk}).json()["html"]
    assert "&lt;" not in html
