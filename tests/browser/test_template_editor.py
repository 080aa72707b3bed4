"""The email template editor in real Chromium, the way a marketer uses it: start from a starter,
personalise with a live preview as a real contact, translate, save, test send."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from contacts.services.contacts import contact_upsert
from flowbuilder.core.models import StoredEmail
from journeys.emails.sender import messages_send
from journeys.emails.services.templates import template_save
from journeys.models import EmailTemplate, OutboundMessage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def contacts(db):
    kim, _created = contact_upsert(email="kim@example.com", data={"first_name": "Kim", "last_name": "Lee"}, now=NOW)
    contact_upsert(email="jo@example.com", data={"first_name": "Jo", "last_name": "Berg", "locale": "de"}, now=NOW)
    return kim


@pytest.fixture
def template(db):
    return template_save(
        data={
            "name": "Spring sale",
            "subject": "Spring is here, {{ contact.first_name | default('friend') }}",
            "preheader": "20 % off everything",
            "html_body": "<p>Hi {{ contact.first_name | default('there') }}, the sale is on.</p>",
            "sender_name": "Shop",
            "sender_email": "hello@shop.example.com",
        },
        translations={
            "de": {"subject": "Frühling, {{ contact.first_name | default('du') }}", "html_body": "<p>Hallo!</p>"}
        },
    )


def _subject(page):
    return page.get_by_label("Subject", exact=True)


def _envelope(page):
    return page.locator(".te-envelope-subject")


def test_a_marketer_creates_a_template_from_a_starter_with_a_live_preview_and_finds_it_as_saved(
    page, live_server, marketer, log_in, screenshot, contacts
):
    log_in(page, marketer)
    page.goto(f"{live_server.url}/templates/new/")
    # The preview is live before anything is saved: the blank layout, as the sample contact.
    expect(_envelope(page)).to_have_text("(no subject)")
    expect(page.frame_locator(".te-frame").get_by_role("heading", name="Your headline")).to_be_visible()
    screenshot(page, "template-new-starters")

    page.locator(".te-starter").filter(has=page.locator("strong", has_text=re.compile("^Welcome$"))).click()
    expect(page.get_by_text("Started from “Welcome”")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Welcome")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(4)
    expect(tabs.nth(1)).to_contain_text("German")
    expect(page.locator(".save-state")).to_have_text("Unsaved changes")
    expect(_envelope(page)).to_have_text("Alex, welcome to Flowbuilder Shop")

    # A variable goes in at the cursor, not at the end.
    subject = _subject(page)
    subject.fill("A gift for you, !")
    subject.press("End")
    subject.press("ArrowLeft")
    page.locator(".te-var", has_text=re.compile(r"^contact\.first_name$")).click()
    expect(subject).to_have_value("A gift for you, {{ contact.first_name }}!")
    expect(_envelope(page)).to_have_text("A gift for you, Alex!")

    # Preview as a real contact, picked by searching.
    picker = page.get_by_role("combobox", name="Preview as")
    picker.click()
    picker.fill("kim")
    page.get_by_role("option", name=re.compile("Kim Lee")).click()
    expect(picker).to_have_value("Kim Lee")
    expect(_envelope(page)).to_have_text("A gift for you, Kim!")
    expect(page.frame_locator(".te-frame").get_by_text("Hi Kim,")).to_be_visible()
    page.locator(".te-content").evaluate("element => element.scrollIntoView()")
    screenshot(page, "template-editor")

    page.get_by_role("button", name="Mobile").click()
    expect(page.get_by_role("button", name="Mobile")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".te-frame")).to_have_attribute("width", "375")
    screenshot(page, "template-editor-mobile")
    page.get_by_role("button", name="Plain text").click()
    expect(page.locator(".te-plain")).to_contain_text("Hi Kim,")
    page.get_by_role("button", name="Desktop").click()
    expect(page.locator(".te-frame")).to_have_attribute("width", "600")

    # Languages: drop Swedish; remove German and add it back, which brings the starter's German.
    page.get_by_role("button", name="Remove Swedish").click()
    page.get_by_role("button", name="Remove German").click()
    expect(tabs).to_have_count(2)
    page.locator(".te-add-language select").select_option("de")
    expect(page.get_by_role("tab", name=re.compile("^German"))).to_have_attribute("aria-selected", "true")
    expect(subject).to_have_value("{{ contact.first_name | default('Hallo') }}, willkommen bei Flowbuilder Shop")
    subject.fill("Ein Geschenk für dich, {{ contact.first_name }}!")
    expect(page.locator(".te-language")).to_have_text("German")
    expect(_envelope(page)).to_have_text("Ein Geschenk für dich, Kim!")

    page.keyboard.press("Control+s")
    page.wait_for_url(re.compile(r"/templates/\d+/$"))
    expect(page.locator(".save-state")).to_have_text("All changes saved")
    template = EmailTemplate.objects.get()
    assert (template.name, template.language) == ("Welcome", "en")
    assert template.subject == "A gift for you, {{ contact.first_name }}!"
    assert "Welcome aboard!" in template.html_body
    translations = {t.language: t for t in template.translations.all()}
    assert sorted(translations) == ["de", "nl"]
    assert translations["de"].subject == "Ein Geschenk für dich, {{ contact.first_name }}!"
    assert "Willkommen an Bord!" in translations["de"].html_body

    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Welcome")
    expect(_subject(page)).to_have_value("A gift for you, {{ contact.first_name }}!")
    expect(page.get_by_role("tab")).to_have_text([re.compile("^English"), re.compile("^German"), re.compile("^Dutch")])
    page.get_by_role("tab", name=re.compile("^German")).click()
    expect(_subject(page)).to_have_value("Ein Geschenk für dich, {{ contact.first_name }}!")
    expect(page.locator(".save-state")).to_have_text("")

    # A change is marked unsaved until Ctrl+S saves it in place.
    page.get_by_label("Name", exact=True).fill("Welcome series 1")
    expect(page.locator(".save-state")).to_have_text("Unsaved changes")
    page.keyboard.press("Control+s")
    expect(page.locator(".save-state")).to_have_text("All changes saved")
    expect(page.locator(".topbar-title h1")).to_have_text("Welcome series 1")
    template.refresh_from_db()
    assert template.name == "Welcome series 1"


def test_a_syntax_error_is_shown_at_its_field_with_its_line_and_nothing_is_saved_or_lost(
    page, live_server, marketer, log_in, screenshot, console_allows
):
    console_allows.append("status of 400")  # the API's answers to the broken subject
    log_in(page, marketer)
    page.goto(f"{live_server.url}/templates/new/")
    page.get_by_label("Name", exact=True).fill("Broken")
    _subject(page).fill("Hello {{ contact.first_name ")
    subject_field = page.locator(".field", has=_subject(page))
    # The live preview already says what is wrong…
    expect(subject_field.locator(".field-error")).to_contain_text("Line 1:")
    page.get_by_role("button", name="Create template").click()
    # …and saving refuses it, marked at the field, with everything still there.
    expect(page.get_by_role("alert").filter(has_text="Not saved")).to_be_visible()
    expect(subject_field.locator(".field-error")).to_contain_text("Line 1:")
    expect(_subject(page)).to_have_attribute("aria-invalid", "true")
    expect(_subject(page)).to_be_focused()  # taken to the problem
    expect(_subject(page)).to_have_accessible_description(re.compile("Line 1: "))
    expect(_subject(page)).to_have_value("Hello {{ contact.first_name ")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Broken")
    assert page.url.endswith("/templates/new/")
    screenshot(page, "template-editor-error")
    assert not EmailTemplate.objects.exists()


def test_an_error_in_a_translation_opens_that_language(page, live_server, marketer, log_in, template, console_allows):
    console_allows.append("status of 400")
    log_in(page, marketer)
    page.goto(f"{live_server.url}/templates/{template.pk}/")
    page.get_by_role("tab", name=re.compile("^German")).click()
    _subject(page).fill("Frühling {% if %}")
    page.get_by_role("tab", name=re.compile("^English")).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("tab", name=re.compile("^German"))).to_have_attribute("aria-selected", "true")
    expect(page.locator(".field", has=_subject(page)).locator(".field-error")).to_contain_text("Line 1:")
    expect(_subject(page)).to_have_value("Frühling {% if %}")
    template.refresh_from_db()
    assert template.translations.get(language="de").subject == "Frühling, {{ contact.first_name | default('du') }}"


def test_a_test_send_is_queued_and_shows_up_in_the_outbox(page, live_server, marketer, log_in, template, contacts):
    log_in(page, marketer)
    page.goto(f"{live_server.url}/templates/{template.pk}/")
    address = page.get_by_label("Send a test in English to")
    expect(address).to_have_value(marketer.email)
    address.fill("kim@example.com")
    page.get_by_role("button", name="Send test").click()
    result = page.locator(".te-test-result")
    expect(result).to_contain_text("Test email in English is on its way to kim@example.com.")
    message = OutboundMessage.objects.get()
    assert (message.kind, message.to_email, message.status) == (
        OutboundMessage.Kind.TEST,
        "kim@example.com",
        OutboundMessage.Status.QUEUED,
    )

    messages_send()  # what the task cluster does
    assert StoredEmail.objects.get().subject == "[Test] Spring is here, Alex"
    result.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/outbox/$"))
    expect(page.get_by_role("link", name="[Test] Spring is here, Alex")).to_be_visible()


def test_a_viewer_sees_the_editor_read_only_with_a_working_preview(page, live_server, viewer, log_in, template):
    log_in(page, viewer)
    page.goto(f"{live_server.url}/templates/{template.pk}/")
    expect(page.get_by_text("View only")).to_be_visible()
    expect(_envelope(page)).to_have_text("Spring is here, Alex")
    expect(_subject(page)).to_have_attribute("readonly", "")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove German")).to_have_count(0)
    expect(page.locator(".te-add-language")).to_have_count(0)
    expect(page.get_by_role("button", name="Send test")).to_have_count(0)
    expect(page.locator(".te-var").first).to_be_disabled()
    page.get_by_role("tab", name=re.compile("^German")).click()
    expect(_envelope(page)).to_have_text("Frühling, Alex")
    page.keyboard.press("Control+s")  # nothing to save, nothing sent
    expect(page.locator(".save-state")).to_have_count(0)
    assert EmailTemplate.objects.get().updated_at == template.updated_at
