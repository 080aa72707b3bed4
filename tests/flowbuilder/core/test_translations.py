"""Every string people see is marked, translated into each language, and shown in the right one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from flowbuilder.core import messages
from flowbuilder.core.languages import language_normalise

LANGUAGES = ["de", "nl", "sv"]


@pytest.fixture(scope="module")
def sources():
    return {domain: messages.extract_domain(domain) for domain in messages.DOMAINS}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", messages.DOMAINS)
def test_each_catalogue_is_complete_and_current(sources, language, domain):
    problems = messages.check(language, domain, sources[domain])
    assert not problems, problems.describe()


def test_no_template_or_front_end_text_is_left_unmarked():
    assert messages.unmarked_texts() == {}


def test_the_extraction_finds_strings_in_python_templates_and_javascript(sources):
    django_ids = {m.id for m in sources["django"]}
    assert "Journeys" in django_ids  # Python (navigation)
    assert "Copy your new key now. It will not be shown again." in django_ids  # {% translate %}
    assert "Page %(number)s of %(total)s" in django_ids  # {% blocktranslate %}
    assert "Copied" in {m.id for m in sources["djangojs"]}  # frontend gettext()


class TestUnmarkedTextChecks:
    def test_it_finds_bare_text_and_attributes_in_templates(self):
        found = messages.unmarked_template_text(
            '<p>Hello {{ name }}</p><input placeholder="Search here" type="text">'
            '<p>{% translate "Fine" %}</p>{% blocktranslate %}Also fine{% endblocktranslate %}'
            "<style>.a { color: red }</style>"
        )
        assert found == ["Hello", "Search here"]

    def test_it_lets_the_product_name_and_attribute_blocks_through(self):
        source = '{% block body_class %}auth{% endblock %}<span class="brand">Flowbuilder</span>'
        assert messages.unmarked_template_text(source) == []

    def test_it_finds_prose_in_javascript_and_jsx_but_not_code(self):
        source = (
            'const label = "Save changes";\n'
            'const ok = gettext("Save all");\n'
            'const fmt = interpolate(gettext("%(n)s contacts waiting"), {n: 3});\n'
            'document.querySelector("details[data-menu] summary");\n'
            'const skip = "Known text"; // i18n-ignore\n'
            "return <p>Hello there</p>;\n"
        )
        assert messages.unmarked_js_text(source) == ["Save changes", "Hello there"]

    def test_it_leaves_css_class_lists_and_arrow_functions_alone(self):
        source = (
            'const a = <button className="button button-small" />;\n'
            "const f = (x) => errorsAt(errors, join(path, key));\n"
            "return (<p>{x}</p>);\n"
        )
        assert messages.unmarked_js_text(source) == []


@pytest.mark.parametrize(
    ("language", "english", "translated"),
    [("de", "Log in", "Anmelden"), ("nl", "Log in", "Inloggen"), ("sv", "Log in", "Logga in")],
)
def test_compiled_catalogues_translate(language, english, translated):
    call_command("messages", "--compile")
    with translation.override(language):
        assert translation.gettext(english) == translated


@pytest.mark.parametrize(
    ("value", "expected"), [("de", "de"), ("DE", "de"), ("de-AT", "de"), ("sv_SE", "sv"), (" nl ", "nl")]
)
def test_language_codes_are_normalised_to_a_supported_language(value, expected):
    assert language_normalise(value) == expected


@pytest.mark.parametrize("value", ["fr", "xx-YY", "", "deutsch!", "12"])
def test_an_unsupported_language_is_a_clear_validation_error(value):
    with pytest.raises(ValidationError, match=r"not a language Flowbuilder supports\. Use one of: en, de, nl, sv\."):
        language_normalise(value)


def test_the_javascript_catalogue_is_per_language_and_refuses_unknown_ones(client, db):
    call_command("messages", "--compile")
    german = client.get("/jsi18n/de/").content.decode()
    assert '"Copied": "Kopiert"' in german
    assert '"Copied": "Kopierat"' in client.get("/jsi18n/sv/").content.decode()
    assert client.get("/jsi18n/fr/").status_code == 404
