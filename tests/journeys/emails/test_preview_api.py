"""Previewing content that is not saved as a template yet (``POST /api/v1/templates/preview/``),
the way the editor of a new template does from the first keystroke."""

from __future__ import annotations

from journeys.models import EmailTemplate

URL = "/api/v1/templates/preview/"
CONTENT = {
    "subject": "Welcome, {{ contact.first_name | default('there') }}!",
    "preheader": "Your plan: {{ contact.attributes.plan }}",
    "html_body": "<html><head><style>p { color: #333366; }</style></head>"
    "<body><p>Hi {{ contact.first_name }}</p></body></html>",
    "text_body": "",
}


def test_it_renders_unsaved_content_as_a_real_contact(api_client, marketer, make_contact):
    kim = make_contact("kim@example.com", first_name="Kim")
    api_client.force_authenticate(marketer)
    response = api_client.post(URL, {"content": CONTENT, "contact_id": kim.pk, "language": "en"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["language"] == "en"
    assert body["subject"] == "Welcome, Kim!"
    assert body["preheader"] == "Your plan:"
    assert body["missing"] == ["contact.attributes.plan"]
    assert 'style="color: #333366;"' in body["html"]  # CSS inlined, as in a real send
    assert "Hi Kim" in body["text"]  # the text version is made from the HTML
    assert not EmailTemplate.objects.exists()


def test_without_a_contact_it_renders_as_the_sample_contact(api_client, marketer):
    api_client.force_authenticate(marketer)
    response = api_client.post(URL, {"content": CONTENT}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["subject"] == "Welcome, Alex!"


def test_dates_and_numbers_follow_the_language_of_the_content(api_client, marketer, make_contact):
    kim = make_contact("kim@example.com", first_name="Kim", attributes={"points": 12345})
    api_client.force_authenticate(marketer)
    content = {**CONTENT, "subject": "{{ contact.attributes.points | number }} Punkte"}
    response = api_client.post(URL, {"content": content, "contact_id": kim.pk, "language": "de"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["language"] == "de"
    assert response.json()["subject"] == "12.345 Punkte"


def test_a_syntax_error_is_refused_naming_the_field_and_the_line(api_client, marketer):
    api_client.force_authenticate(marketer)
    content = {**CONTENT, "subject": "{{ contact.first_name "}
    response = api_client.post(URL, {"content": content}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["content.subject"]
    assert fields["content.subject"][0].startswith("Line 1: ")


def test_a_syntax_error_deeper_in_the_html_names_its_line(api_client, marketer):
    api_client.force_authenticate(marketer)
    content = {**CONTENT, "html_body": "<p>One</p>\n<p>Two</p>\n<p>{% if contact.first_name %}Three</p>"}
    response = api_client.post(URL, {"content": content}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["content.html_body"][0].startswith("Line 3: ")


def test_a_viewer_may_preview_too(api_client, viewer):
    api_client.force_authenticate(viewer)
    response = api_client.post(URL, {"content": CONTENT}, format="json")
    assert response.status_code == 200, response.json()


def test_an_unknown_language_is_refused_naming_the_field(api_client, marketer):
    api_client.force_authenticate(marketer)
    response = api_client.post(URL, {"content": CONTENT, "language": "xx"}, format="json")
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["language"]
    assert "“xx” is not a language Flowbuilder supports" in messages[0]


def test_content_is_required(api_client, marketer):
    api_client.force_authenticate(marketer)
    response = api_client.post(URL, {"language": "en"}, format="json")
    assert response.status_code == 400
    assert "content" in response.json()["error"]["fields"]


def test_an_unknown_contact_is_a_404(api_client, marketer):
    api_client.force_authenticate(marketer)
    response = api_client.post(URL, {"content": CONTENT, "contact_id": 999_999}, format="json")
    assert response.status_code == 404


def test_anonymous_callers_are_refused(api_client, db):
    assert api_client.post(URL, {"content": CONTENT}, format="json").status_code in (401, 403)


def test_an_empty_subject_does_not_stop_the_preview(api_client, marketer):
    api_client.force_authenticate(marketer)
    response = api_client.post(URL, {"content": {**CONTENT, "subject": ""}}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["subject"] == ""
