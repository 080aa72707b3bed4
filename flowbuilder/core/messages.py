"""Translation catalogues without GNU gettext: extract, update, check and compile in pure Python.

Django's ``makemessages``/``compilemessages`` need GNU gettext, which a fresh machine does not
have; Babel does the same work in Python. Two domains, as Django expects:

* ``django``: Python code of our apps and the Django templates. Templates go through
  Django's own ``templatize()`` (what ``makemessages`` feeds to xgettext), then Babel's Python
  extractor, so ``{% translate %}``, ``{% blocktranslate %}`` (with ``count`` and ``context``)
  and ``_("…")`` in filters are found exactly as Django would find them.
* ``djangojs``: the front-end sources in ``frontend/`` (served by Django's JavaScript
  catalogue at ``/jsi18n/``).

``manage.py messages`` updates ``locale/<lang>/LC_MESSAGES/<domain>.po`` and compiles the
``.mo`` files; ``--check`` reports what is missing, untranslated, fuzzy or obsolete;
``--compile`` only compiles (``make run``/``make test`` do this).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils.translation.template import templatize

PY_KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
JS_KEYWORDS = {
    "gettext": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
PYTHON_DIRS = ("flowbuilder", "contacts", "journeys")
TEMPLATE_DIRS = ("templates",)
JS_DIRS = ("frontend",)
DOMAINS = ("django", "djangojs")


def base_dir() -> Path:
    return Path(settings.BASE_DIR)


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def translated_languages() -> list[str]:
    """Languages with catalogues: every configured language except the source language."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _files(dirs: Iterable[str], suffixes: tuple[str, ...]) -> Iterator[Path]:
    root = base_dir()
    for name in dirs:
        for path in sorted((root / name).rglob("*")):
            if path.suffix in suffixes and "migrations" not in path.parts and path.is_file():
                yield path


def extract_domain(domain: str) -> Catalog:
    """Every translatable string of ``domain`` in the sources, with where it was found."""
    catalog = Catalog(project="Flowbuilder", locale=None, charset="utf-8", fuzzy=False)
    root = base_dir()
    if domain == "django":
        for path in _files(PYTHON_DIRS, (".py",)):
            with path.open("rb") as handle:
                _add(catalog, path.relative_to(root), extract("python", handle, PY_KEYWORDS))
        for path in _files(TEMPLATE_DIRS, (".html", ".txt")):
            code = templatize(path.read_text(), origin=str(path))
            # templatize keeps the template's indentation, which Python's tokenizer rejects;
            # the code is only scanned for gettext calls, so indentation does not matter.
            code = "\n".join(line.lstrip() for line in code.splitlines())
            _add(catalog, path.relative_to(root), extract("python", io.BytesIO(code.encode()), PY_KEYWORDS))
    elif domain == "djangojs":
        for path in _files(JS_DIRS, (".js", ".jsx", ".mjs")):
            with path.open("rb") as handle:
                found = extract("javascript", handle, JS_KEYWORDS, options={"jsx": True})
                _add(catalog, path.relative_to(root), found)
    else:
        raise ValueError(f"unknown domain {domain!r}")
    return catalog


def _add(
    catalog: Catalog, path: Path, found: Iterable[tuple[int, str | tuple[str, ...], list[str], str | None]]
) -> None:
    for lineno, msgid, _comments, context in found:
        existing = catalog.get(msgid, context)
        if existing is None:
            catalog.add(msgid, locations=[(str(path), lineno)], context=context)
        else:
            existing.locations.append((str(path), lineno))


def po_path(language: str, domain: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(language: str, domain: str) -> Catalog:
    path = po_path(language, domain)
    if not path.exists():
        return Catalog(locale=language, project="Flowbuilder", charset="utf-8", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


@dataclass
class Problems:
    """What keeps one catalogue from being complete and current."""

    language: str
    domain: str
    missing: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    format_errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.missing, self.untranslated, self.fuzzy, self.obsolete, self.format_errors))

    def describe(self) -> str:
        lines = [f"{po_path(self.language, self.domain).relative_to(base_dir())}:"]
        for label, items in (
            ("not in the catalogue (run `manage.py messages`)", self.missing),
            ("untranslated", self.untranslated),
            ("fuzzy (check the translation, then remove the fuzzy flag)", self.fuzzy),
            ("obsolete (no longer in the code; run `manage.py messages`)", self.obsolete),
            ("placeholders differ from the source", self.format_errors),
        ):
            lines += [f"  {label}: {item!r}" for item in items]
        return "\n".join(lines)


def _key(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def check(language: str, domain: str, source: Catalog | None = None) -> Problems:
    """Compare the catalogue of ``language`` with what the code contains now."""
    source = source or extract_domain(domain)
    catalog = read_catalog(language, domain)
    problems = Problems(language, domain)
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in source if m.id}
    present = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
    problems.missing = sorted(msgid for msgid, _ctx in wanted - present)
    problems.obsolete = sorted(msgid for msgid, _ctx in present - wanted)
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if not all(strings):
            problems.untranslated.append(_key(message.id))
        if message.fuzzy:
            problems.fuzzy.append(_key(message.id))
    for message, errors in catalog.check():
        if message.string:
            problems.format_errors += [f"{_key(message.id)}: {error}" for error in errors]
    return problems


def update(language: str, domain: str, source: Catalog | None = None) -> Catalog:
    """Merge the extracted strings into the catalogue of ``language``, keeping translations.

    New strings arrive untranslated (no fuzzy guesses: a wrong guess that looks translated
    is worse than a visible gap); strings gone from the code are dropped.
    """
    source = source or extract_domain(domain)
    catalog = read_catalog(language, domain)
    catalog.update(source, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    path = po_path(language, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_by_file=True, ignore_obsolete=True, include_lineno=False)
    return catalog


def compile_catalogues() -> list[Path]:
    """Write a ``.mo`` beside every ``.po`` whose ``.mo`` is missing or older. Returns those written."""
    written = []
    for po in sorted(locale_dir().glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written


# --- Strings shown to people but not marked for translation ------------------------------------

# Words that are the same in every language: the product's name.
UNTRANSLATED_OK = {"Flowbuilder"}
_TEMPLATE_BLOCKS = re.compile(
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}"
    r"|{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}"
    # blocks that fill an attribute, such as {% block body_class %}auth{% endblock %}
    r"|{%\s*block\s+\w*class\s*%}.*?{%\s*endblock\b[^%]*%}",
    re.S,
)
_TEMPLATE_TAGS = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_WORDS = re.compile(r"[^\W\d_]{3,}")
_TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label", "aria-description"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def _check(self, text: str) -> None:
        text = " ".join(text.split())
        if any(word not in UNTRANSLATED_OK for word in _WORDS.findall(text)):
            self.found.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in _TEXT_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data)


def unmarked_template_text(source: str) -> list[str]:
    """Text a Django template shows people that is not inside a translation tag.

    Template tags and variables count as translated (they render translated strings or
    data); what is left between HTML tags, and in ``title``/``placeholder``/``aria-label``/
    ``alt`` attributes, must not contain words.
    """
    source = _TEMPLATE_BLOCKS.sub(" ", source)
    source = _TEMPLATE_TAGS.sub(" ", source)
    collector = _TextCollector()
    collector.feed(source)
    collector.close()
    return collector.found


_JS_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\"'])//[^\n]*", re.S)
_JS_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1).)*?)\1""", re.S)
_JS_TRANSLATE_CALL = re.compile(r"\b(?:n|p|np)?gettext(?:_noop)?\(\s*(?:[\"'`][^\"'`]*[\"'`]\s*,\s*)?$")
_JSX_TEXT = re.compile(r"(?<![=-])>\s*([^<>{};]*?[^\W\d_]{2,}[^<>{};]*?)\s*<")
# "button button-small", "card preview-card": CSS class lists, not prose.
_CLASS_LIST = re.compile(r"[a-z0-9_-]+(\s+[a-z0-9_-]+)*")
IGNORE_MARK = "i18n-ignore"


def unmarked_js_text(source: str) -> list[str]:
    """Prose in front-end code that is not passed through ``gettext``.

    A string literal counts as prose when it has two words separated by a space and no
    characters of code or selectors; JSX text between tags counts always. A line ending in
    ``// i18n-ignore`` is skipped (e.g. a CSS selector with spaces).
    """
    lines = [line for line in source.splitlines() if not line.rstrip().endswith(IGNORE_MARK)]
    code = _JS_COMMENTS.sub("", "\n".join(lines))
    found = []
    for match in _JS_STRING.finditer(code):
        text = match.group(2)
        if _CLASS_LIST.fullmatch(text) and ("-" in text or "_" in text):
            continue
        if re.search(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", text) and not re.search(r"[\[\]#.>:=(){}$/\\]", text):
            before = code[max(0, match.start() - 80) : match.start()]
            if not _JS_TRANSLATE_CALL.search(before):
                found.append(text)
    found += [m.group(1).strip() for m in _JSX_TEXT.finditer(code) if "=>" not in m.group(1)]
    return found


def unmarked_texts() -> dict[str, list[str]]:
    """Unmarked text per source file, for templates and front-end code."""
    root = base_dir()
    report = {}
    for path in _files(TEMPLATE_DIRS, (".html", ".txt")):
        if found := unmarked_template_text(path.read_text()):
            report[str(path.relative_to(root))] = found
    for path in _files(JS_DIRS, (".js", ".jsx")):
        if found := unmarked_js_text(path.read_text()):
            report[str(path.relative_to(root))] = found
    return report
