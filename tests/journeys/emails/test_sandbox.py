"""The sandbox emails render in: template injection is refused or inert, and no template can make
a worker spend minutes or gigabytes on one contact."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from journeys.emails.rendering import Locale, Record, TemplateRefused, compile_content, render, template_check

LOCALE = Locale("en", ZoneInfo("UTC"))
CONTEXT = {
    "contact": Record("contact", {"first_name": "Kim", "attributes": {"plan": "pro"}}),
    "event": Record("event", {"budget": 3000}),
}


def rendered(source: str, *, html: bool = False, context=None) -> str:
    compiled = compile_content(("test",), "en", "", "", source if html else "", "" if html else source)
    result = render(compiled, context or CONTEXT, LOCALE)
    return result.html if html else result.text


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ contact.__class__ }}",
        "{{ contact.first_name.__class__.__base__ }}",
        "{{ contact.attributes.__init__.__globals__ }}",
        "{{ event.budget.__class__ }}",
        "{{ contact['__class__'] }}",
        "{{ (contact.first_name|attr('__class__')) }}",
    ],
)
def test_private_attributes_are_refused(source):
    with pytest.raises(TemplateRefused, match="unsafe"):
        rendered(source)


@pytest.mark.parametrize("source", ["{{ config }}", "{{ settings.SECRET_KEY }}", "{{ request }}", "{{ os }}"])
def test_names_the_template_was_not_given_are_empty(source):
    assert rendered(source).strip() == ""


@pytest.mark.parametrize("source", ["{{ lipsum() }}", "{{ cycler(1, 2) }}", "{{ joiner() }}", "{{ dict(a=1) }}"])
def test_jinja_globals_are_not_available(source):
    with pytest.raises(TemplateRefused):
        rendered(source)


def test_the_context_cannot_be_changed():
    with pytest.raises(TemplateRefused, match="unsafe"):
        rendered("{{ contact.attributes.update({'plan': 'free'}) }}")
    with pytest.raises(TemplateRefused, match="unsafe"):
        rendered("{{ contact.attributes.clear() }}")


@pytest.mark.parametrize(
    "source",
    [
        "{% import 'secrets.html' as s %}",
        "{% from 'macros.html' import evil %}",
        "{% include '/etc/passwd' %}",
        "{% extends 'base.html' %}",
    ],
)
def test_templates_cannot_load_other_templates(source):
    with pytest.raises(ValidationError) as error:
        template_check(source, "html_body", html=True)
    assert "cannot import, include or extend" in str(error.value.message_dict["html_body"])


@pytest.mark.parametrize(
    ("source", "limit"),
    [
        ("{{ range(10**9) | list }}", "range"),
        ("{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}", "loop passes"),
        ("{{ 'a' * 10**9 }}", "characters"),
        ("{{ 'ab' * 100000 }}", "characters"),
        ("{{ [1] * 10**8 }}", "characters"),
        ("{{ 99 ** 99 ** 9 }}", "too large"),
        ("{{ 2 ** 100000 }}", "too large"),
        ("{{ '%999999999s' % 'x' }}", "width"),
        ("{{ '{:>999999999}'.format('x') }}", "width"),
        ("{{ 'x' | center(999999999) }}", "characters"),
        ("{{ 'x' | indent(999999) }}", "indent"),
        ("{{ ('x' * 99999) | replace('x', 'yyyyy') }}", "characters"),
        ("{{ ('x' * 99999) ~ ('x' * 99999) }}", "characters"),
        ("{{ range(1000) | join('x' * 1000) }}", "characters"),
        ("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}", "calls"),
    ],
)
def test_huge_work_is_refused_quickly(source, limit):
    with pytest.raises(TemplateRefused, match=limit):
        rendered(source)


def test_loops_nested_three_deep_are_refused_on_save():
    source = "{% for a in x %}{% for b in a %}{% for c in b %}{% endfor %}{% endfor %}{% endfor %}"
    with pytest.raises(ValidationError, match="nested at most two deep"):
        template_check(source, "html_body", html=True)


def test_reasonable_loops_work():
    assert rendered("{% for i in range(3) %}{{ i }}{% endfor %}") == "012"


def test_contact_data_in_html_is_escaped_but_not_in_the_text_version():
    context = {"contact": Record("contact", {"first_name": "<script>alert(1)</script>"}), "event": Record("event", {})}
    html = rendered("<p>Hi {{ contact.first_name }}</p>", html=True, context=context)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert rendered("Hi {{ contact.first_name }}", context=context) == "Hi <script>alert(1)</script>"


def test_a_syntax_error_is_reported_with_its_line():
    with pytest.raises(ValidationError) as error:
        template_check("<p>Hi</p>\n<p>{{ contact.first_name </p>\n", "html_body", html=True)
    (message,) = error.value.message_dict["html_body"]
    assert message.startswith("Line 2:")


def test_arithmetic_errors_do_not_crash_the_render():
    with pytest.raises(TemplateRefused, match="ZeroDivisionError"):
        rendered("{{ 1 / 0 }}")
    with pytest.raises(TemplateRefused, match="TypeError"):
        rendered("{{ contact.first_name + 1 }}")
