"""Saving templates: every part checked, languages validated, HTML prepared for email clients."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from journeys.emails.services.templates import template_preview, template_save
from journeys.models import EmailTemplate


def test_css_is_inlined_and_media_queries_are_kept(make_template, make_contact):
    template = make_template(
        html_body="<html><head><style>.b{color:red} @media (max-width:600px){.b{color:blue}}</style></head>"
        "<body><p class='b'>Hi</p></body></html>"
    )
    html = template_preview(template=template, contact=make_contact()).html
    assert '<p class="b" style="color: red;">Hi</p>' in html
    assert "@media (max-width:600px)" in html


def test_a_text_version_is_made_from_the_html_when_left_empty(make_template, make_contact):
    template = make_template(
        html_body="<h1>Hello {{ contact.first_name }}</h1><p>Read <a href='https://x.example.com/a'>the guide</a>.</p>"
        "<ul><li>One</li><li>Two</li></ul>",
        text_body="",
    )
    text = template_preview(template=template, contact=make_contact(first_name="Kim")).text
    assert "Hello Kim" in text
    assert "https://x.example.com/a" in text
    assert "* One" in text
    assert "<" not in text


def test_a_written_text_version_is_kept(make_template, make_contact):
    template = make_template(text_body="Plain {{ contact.first_name }}")
    assert template_preview(template=template, contact=make_contact(first_name="Kim")).text == "Plain Kim"


def test_an_edit_is_seen_by_the_next_render(make_template, make_contact):
    template = make_template()
    kim = make_contact(first_name="Kim")
    assert template_preview(template=template, contact=kim).subject == "Welcome, Kim!"
    template_save(template=template, data={"name": "Welcome", "subject": "Hello again, {{ contact.first_name }}"})
    template.refresh_from_db()
    assert template_preview(template=template, contact=kim).subject == "Hello again, Kim"


@pytest.mark.parametrize(
    ("translations", "field", "message"),
    [
        ({"xx": {"subject": "x", "html_body": "y"}}, "translations.xx", "not a language Flowbuilder supports"),
        ({"en": {"subject": "x", "html_body": "y"}}, "translations.en", "own language"),
        ({"de": {"subject": "Hallo {{ x", "html_body": "y"}}, "translations.de.subject", "Line 1:"),
        ({"de": {"subject": "", "html_body": "y"}}, "translations.de.subject", "subject"),
        ({"de": "Hallo"}, "translations.de", "Expected"),
    ],
)
def test_bad_translations_are_refused_with_their_field(make_template, translations, field, message):
    with pytest.raises(ValidationError) as error:
        make_template(translations=translations)
    assert message in " ".join(error.value.message_dict[field])
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"subject": ""}, "subject"),
        ({"subject": "Hi\nBcc: x@example.com"}, "subject"),
        ({"preheader": "a\rb"}, "preheader"),
        ({"sender_name": "Shop\nBcc: x@example.com"}, "sender_name"),
        ({"sender_email": "not an address"}, "sender_email"),
        ({"reply_to": "x@"}, "reply_to"),
        ({"language": "klingon"}, "language"),
        ({"on_missing": "maybe"}, "on_missing"),
        ({"html_body": "", "text_body": ""}, "html_body"),
        ({"html_body": "{% include 'x' %}"}, "html_body"),
    ],
)
def test_bad_fields_are_refused_with_their_name(make_template, data, field):
    with pytest.raises(ValidationError) as error:
        make_template(**data)
    assert field in error.value.message_dict


def test_names_are_unique_whatever_their_case(make_template):
    make_template(name="Welcome")
    with pytest.raises(ValidationError) as error:
        make_template(name="welcome")
    assert "already called" in error.value.message_dict["name"][0]


def test_translations_are_replaced_as_a_whole(make_template):
    template = make_template(translations={"de": {"subject": "Hallo", "html_body": "<p>Hallo</p>"}})
    template_save(
        template=template,
        data={"name": "Welcome", "subject": "Hi", "html_body": "<p>Hi</p>"},
        translations={"nl": {"subject": "Hoi", "html_body": "<p>Hoi</p>"}},
    )
    assert list(template.translations.values_list("language", flat=True)) == ["nl"]
