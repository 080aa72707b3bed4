"""Personalised email with Jinja2 in a sandbox: compile once per template, render per contact.

- The sandbox (``sandbox.py``, an ``ImmutableSandboxedEnvironment``): no private attributes, no
  mutation of the context, nothing global but a capped ``range``; no loader, and ``{% import %}``,
  ``{% include %}`` and ``{% extends %}`` are refused on save; sizes, loop passes and calls are
  capped so a template cannot burn the worker.
- HTML bodies are autoescaped (a contact named ``<script>`` is shown, not run); subjects and
  text bodies are not HTML; line breaks are folded out of subjects, and ``mime.py`` refuses
  any header value that still holds one.
- A value that is missing renders empty and is reported (``Rendered.missing``); the template
  decides whether that skips the contact. ``{{ contact.first_name | default("there") }}`` is
  the way to write a fallback.
- CSS is inlined (css-inline) and a text body made from the HTML (inscriptis) once per
  template and language, not per message.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from inscriptis import get_text
from inscriptis.model.config import ParserConfig
from jinja2 import TemplateError, TemplateSyntaxError, Undefined, nodes, pass_context
from jinja2.sandbox import SecurityError

from flowbuilder.core.formatting import format_money, format_number, format_when
from journeys.emails.sandbox import SandboxEnvironment, render_state

MAX_LOOP_DEPTH = 2
MAX_SOURCE = 200_000


class Record(dict[str, Any]):
    """A context value that knows its path (``contact.attributes``), so a missing key inside it
    is reported as ``contact.attributes.plan`` rather than just ``plan``."""

    def __init__(self, path: str, values: dict[str, Any]) -> None:
        super().__init__({k: Record(f"{path}.{k}", v) if isinstance(v, dict) else v for k, v in values.items()})
        self.path = path


@lru_cache(maxsize=2)
def environment(autoescape: bool) -> SandboxEnvironment:
    """The shared sandbox (one for HTML, autoescaped, one for text); see ``sandbox.py``."""
    env = SandboxEnvironment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    return env


# --- filters that format for the contact ---------------------------------------------------------


@dataclass(frozen=True)
class Locale:
    language: str
    timezone: ZoneInfo


def _as_moment(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        from django.utils.dateparse import parse_date, parse_datetime

        try:
            return parse_datetime(value) or parse_date(value)
        except ValueError:
            return None
    return None


def _shown(value: Any) -> str:
    return "" if isinstance(value, Undefined) or value is None else str(value)


# Filters read the contact's language and time zone from the render context, so one shared
# environment serves every contact (and every thread) at once.
@pass_context
def _date_filter(context: Any, value: Any, length: str = "medium") -> str:
    locale: Locale = context["__locale__"]
    moment = _as_moment(value)
    if moment is None:
        return _shown(value)
    if isinstance(moment, datetime):
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        moment = moment.astimezone(locale.timezone).date()
    return format_when(moment, locale.language, length=length)


@pass_context
def _datetime_filter(context: Any, value: Any, length: str = "medium") -> str:
    locale: Locale = context["__locale__"]
    moment = _as_moment(value)
    if not isinstance(moment, datetime):
        return _date_filter(context, value, length)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    with timezone.override(locale.timezone):
        return format_when(moment, locale.language, length=length)


@pass_context
def _number_filter(context: Any, value: Any) -> str:
    number = _number(value)
    return format_number(number, context["__locale__"].language) if number is not None else _shown(value)


@pass_context
def _money_filter(context: Any, value: Any, currency: str | None = None) -> str:
    number = _number(value)
    if number is None:
        return _shown(value)
    return format_money(number, currency or settings.CURRENCY, context["__locale__"].language)


FILTERS = {"date": _date_filter, "datetime": _datetime_filter, "number": _number_filter, "money": _money_filter}


def _number(value: Any) -> int | float | Decimal | None:
    if isinstance(value, bool) or value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, int | float | Decimal):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


# --- compiling ------------------------------------------------------------------------------------


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    deepest = depth
    for child in node.iter_child_nodes():
        deepest = max(deepest, _loop_depth(child, depth + isinstance(child, nodes.For)))
    return deepest


def template_check(source: str, field: str, *, html: bool) -> None:
    """Raise ``ValidationError`` for ``field`` when ``source`` is not a usable template: syntax
    errors with their line, forbidden tags, too deep loops, too long."""
    if len(source) > MAX_SOURCE:
        raise ValidationError(
            {field: [_("This is too long (at most %(count)s characters).") % {"count": format_number(MAX_SOURCE)}]}
        )
    env = environment(html)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(
            {field: [_("Line %(line)s: %(message)s") % {"line": exc.lineno, "message": exc.message}]}
        ) from None
    forbidden = list(tree.find_all((nodes.Import, nodes.FromImport, nodes.Include, nodes.Extends)))
    if forbidden:
        raise ValidationError(
            {
                field: [
                    _("Line %(line)s: templates cannot import, include or extend other templates.")
                    % {"line": forbidden[0].lineno}
                ]
            }
        )
    if _loop_depth(tree) > MAX_LOOP_DEPTH:
        raise ValidationError({field: [_("Loops may be nested at most two deep.")]})


def template_field_check(source: str) -> str:
    """``source`` if it is a usable template; else DRF's ``ValidationError`` with the line and
    message (for settings forms served by DRF serializers, such as a step's subject)."""
    from rest_framework import serializers

    try:
        template_check(source, "value", html=False)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.message_dict["value"]) from None
    return source


@dataclass(frozen=True)
class Compiled:
    """One language of a template, compiled and prepared (CSS inlined, text made)."""

    language: str
    subject: Any
    preheader: Any
    html: Any
    text: Any


_HIDDEN_PREHEADER = (
    '<div style="display:none;font-size:1px;color:transparent;line-height:1px;max-height:0;max-width:0;'
    'opacity:0;overflow:hidden;mso-hide:all">{}</div>'
)
_BODY_OPEN = re.compile(r"<body[^>]*>", re.IGNORECASE)


# Inlines CSS once per template version, on the Jinja source. ``@media`` rules stay in a <style>
# (phones that honour them get the responsive layout); nothing is ever fetched from the network.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
_STATEMENT = re.compile(r"{%.*?%}|{#.*?#}", re.DOTALL)
_PARKED = re.compile(r"<!--jinja:(\d+)-->")


def _inline_css(source: str) -> str:
    """``source`` with its CSS inlined. Jinja statements are parked in HTML comments meanwhile:
    the HTML parser would move a ``{% for %}`` between table rows out of the table."""
    statements: list[str] = []

    def park(match: re.Match[str]) -> str:
        statements.append(match.group(0))
        return f"<!--jinja:{len(statements) - 1}-->"

    try:
        inlined = _INLINER.inline(_STATEMENT.sub(park, source))
    except ValueError:
        return source
    restored = _PARKED.sub(lambda m: statements[int(m.group(1))], inlined)
    return restored if len(_PARKED.findall(inlined)) == len(statements) else source


def _prepare_html(source: str) -> str:
    """Inline the CSS (email clients ignore <style> often) and make room for the preheader."""
    if not source.strip():
        return ""
    inlined = _inline_css(source)
    placeholder = "{{ __preheader__ }}"
    hidden = _HIDDEN_PREHEADER.format(placeholder)
    match = _BODY_OPEN.search(inlined)
    if match:
        return inlined[: match.end()] + hidden + inlined[match.end() :]
    return hidden + inlined


def html_to_text(html: str) -> str:
    """A readable plain-text version of HTML: paragraphs, lists, and links as ``[text](url)``."""
    return get_text(html, ParserConfig(display_links=True)).strip() + "\n" if html.strip() else ""


_COMPILED: OrderedDict[tuple[Any, ...], Compiled] = OrderedDict()
_COMPILED_MAX = 256


def compile_content(
    cache_key: tuple[Any, ...], language: str, subject: str, preheader: str, html: str, text: str
) -> Compiled:
    """Compile one language version of a saved template, cached per process by ``cache_key``
    (template id, update time, language) and a hash of the sources, so an edit is never served
    stale; the cache keeps the compiled templates, not the sources."""
    key = (*cache_key, language, hash((subject, preheader, html, text)))
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = compile_unsaved(language, subject, preheader, html, text)
        _COMPILED[key] = compiled
        while len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    else:
        _COMPILED.move_to_end(key)
    return compiled


def compile_unsaved(language: str, subject: str, preheader: str, html: str, text: str) -> Compiled:
    """Compile one language version, uncached (a preview of what is being typed)."""
    html_source = _prepare_html(html)
    text_source = text if text.strip() else html_to_text(html)
    return Compiled(
        language=language,
        subject=compile_part(subject),
        preheader=compile_part(preheader),
        html=compile_part(html_source, html=True) if html_source else None,
        text=compile_part(text_source),
    )


def compile_part(source: str, *, html: bool = False) -> Any:
    """A compiled template, or the text itself when there is nothing to render (no variables,
    tags or expressions): a static preheader costs nothing per message."""
    env = environment(html)
    tree = env.parse(source)
    static = all(
        isinstance(node, nodes.Output) and all(isinstance(child, nodes.TemplateData) for child in node.nodes)
        for node in tree.body
    )
    template = env.from_string(tree)
    return str(template.render()) if static else template


# --- rendering -------------------------------------------------------------------------------------


@dataclass
class Rendered:
    language: str
    subject: str
    preheader: str
    html: str
    text: str
    missing: list[str] = field(default_factory=list)


def render(compiled: Compiled, context: dict[str, Any], locale: Locale) -> Rendered:
    """Render every part; missing values render empty and are listed in ``missing``."""
    with render_state() as state:
        values = {**context, "__locale__": locale}
        subject = render_part(compiled.subject, values)
        preheader = render_part(compiled.preheader, values)
        html = render_part(compiled.html, {**values, "__preheader__": preheader}) if compiled.html else ""
        text = render_part(compiled.text, values)
        missing = sorted(state.missing)
    return Rendered(compiled.language, " ".join(subject.split()), " ".join(preheader.split()), html, text, missing)


# What a template can raise while rendering for one contact: the sandbox refusing something, a
# call of something that does not exist, arithmetic on the wrong types, runaway macro recursion.
RENDER_ERRORS = (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError)


def render_part(template: Any, values: dict[str, Any]) -> str:
    """Render one compiled part (``compile_part``) with ``values``; raises ``TemplateRefused``."""
    if isinstance(template, str):
        return template
    try:
        return str(template.render(values))
    except SecurityError as exc:
        raise TemplateRefused(str(exc)) from None
    except RecursionError:
        raise TemplateRefused(_("a macro calls itself without end")) from None
    except RENDER_ERRORS as exc:
        raise TemplateRefused(f"{type(exc).__name__}: {exc}") from None


class TemplateRefused(Exception):
    """The template cannot be rendered for this contact: it tried something the sandbox does
    not allow, or failed (``{{ 1 / 0 }}``, an unknown function). The message says which."""
