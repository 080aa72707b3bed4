"""Email templates: save them (every part checked), compile them once per language, and render
them for a contact: the context a template sees, in the contact's language and time zone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from contacts.models import Contact, LifecycleStage
from flowbuilder.core.languages import default_language, language_normalise, supported_languages
from flowbuilder.core.validation import storable_text
from journeys.emails import tracking
from journeys.emails.rendering import Compiled, Locale, Record, Rendered, compile_content, render, template_check
from journeys.matching import zone_named
from journeys.models import EmailTemplate, EmailTemplateTranslation, Journey

CONTENT_FIELDS = ("subject", "preheader", "html_body", "text_body")
_SETTING_FIELDS = ("name", "language", "sender_name", "sender_email", "reply_to", "on_missing", "is_active")


# --- templates -------------------------------------------------------------------------------------


def _max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _text_error(value: Any, max_length: int | None) -> str:
    """Why ``value`` cannot be stored in a text field, or ``""``."""
    if not isinstance(value, str):
        return _("Expected a text.")
    if not storable_text(value):
        return _("Expected a text without NUL characters or lone surrogates.")
    if max_length and len(value) > max_length:
        return _("This is too long (at most %(count)s characters).") % {"count": max_length}
    return ""


def content_check(data: Mapping[str, Any], prefix: str = "", *, required: bool = True) -> dict[str, list[str]]:
    """Errors of the four content parts by field (``prefix`` + name): not a text, too long, a
    Jinja syntax error (with its line), a line break in the subject or preheader; with
    ``required``, also a missing subject, or neither an HTML nor a text body."""
    errors: dict[str, list[str]] = {}
    for name in CONTENT_FIELDS:
        value = data.get(name) or ""
        problem = _text_error(value, _max_length(EmailTemplateTranslation, name))
        if problem:
            errors[f"{prefix}{name}"] = [problem]
            continue
        try:
            template_check(value, f"{prefix}{name}", html=name == "html_body")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if name in ("subject", "preheader") and ("\n" in value or "\r" in value):
            errors[f"{prefix}{name}"] = [_("Line breaks are not allowed here.")]
    if required and f"{prefix}subject" not in errors and not str(data.get("subject") or "").strip():
        errors[f"{prefix}subject"] = [_("Write a subject.")]
    bodies = [data.get(name) for name in ("html_body", "text_body")]
    if required and not any(isinstance(body, str) and body.strip() for body in bodies):
        errors.setdefault(f"{prefix}html_body", [_("Write the email: an HTML body, a text body or both.")])
    return errors


@transaction.atomic
def template_save(
    *,
    template: EmailTemplate | None = None,
    data: Mapping[str, Any],
    translations: Mapping[str, Mapping[str, Any]] | None = None,
) -> EmailTemplate:
    """Create or change a template (and, when given, its translations: language → content,
    replacing the ones it had). Returns the saved template.

    When changing a template, fields left out of ``data`` keep their values. Everything is
    checked first and nothing is stored when anything is wrong: ``ValidationError`` by field,
    a syntax error with its line (``translations.de.html_body``: "Line 3: …").
    """
    if template is not None:
        current = {key: getattr(template, key) for key in (*CONTENT_FIELDS, *_SETTING_FIELDS)}
        data = {**current, **data}
    errors = content_check(data)
    for key in ("name", "sender_name", "sender_email", "reply_to"):
        problem = _text_error(data.get(key) or "", _max_length(EmailTemplate, key))
        if problem:
            errors[key] = [problem]
    raw_name = data.get("name")
    name = raw_name.strip() if isinstance(raw_name, str) else ""
    if "name" not in errors:
        if not name:
            errors["name"] = [_("Give the template a name.")]
        elif EmailTemplate.objects.filter(name__iexact=name).exclude(pk=template.pk if template else 0).exists():
            errors["name"] = [_("Another template is already called “%(name)s”.") % {"name": name}]
    language = data.get("language") or default_language()
    try:
        language = language_normalise(str(language))
    except ValidationError as exc:
        errors["language"] = exc.messages
    for key in ("sender_email", "reply_to"):
        if data.get(key) and key not in errors:
            try:
                validate_email(str(data[key]))
            except ValidationError:
                errors[key] = [_("“%(value)s” is not a valid email address.") % {"value": data[key]}]
    sender_name = str(data.get("sender_name") or "")
    if "\n" in sender_name or "\r" in sender_name:
        errors["sender_name"] = [_("Line breaks are not allowed here.")]
    on_missing = data.get("on_missing") or EmailTemplate.OnMissing.FALLBACK
    if on_missing not in EmailTemplate.OnMissing.values:
        errors["on_missing"] = [_("Use fallback or skip.")]
    is_active = data.get("is_active")
    if is_active is None:
        is_active = True
    elif not isinstance(is_active, bool):
        errors["is_active"] = [_("Expected true or false.")]
    if translations is not None and not isinstance(translations, Mapping):
        errors["translations"] = [_("Expected an object of languages.")]
        translations = {}
    cleaned_translations: dict[str, dict[str, str]] = {}
    for raw_language, content in (translations or {}).items():
        try:
            code = language_normalise(str(raw_language))
        except ValidationError as exc:
            errors[f"translations.{raw_language}"] = exc.messages
            continue
        if code == language:
            errors[f"translations.{raw_language}"] = [_("This is the template's own language.")]
            continue
        if not isinstance(content, Mapping):
            errors[f"translations.{raw_language}"] = [_("Expected the subject, preheader and bodies.")]
            continue
        for unknown in sorted(set(content) - set(CONTENT_FIELDS)):
            errors[f"translations.{code}.{unknown}"] = [_("Unknown field.")]
        errors.update(content_check(content, f"translations.{code}."))
        cleaned_translations[code] = {name: str(content.get(name) or "") for name in CONTENT_FIELDS}
    if errors:
        raise ValidationError(errors)
    template = template or EmailTemplate()
    template.name, template.language = name, language
    for key in (*CONTENT_FIELDS, "sender_name", "sender_email", "reply_to"):
        setattr(template, key, str(data.get(key) or ""))
    template.on_missing, template.is_active = on_missing, bool(is_active)
    template.save()
    if translations is not None:
        template.translations.exclude(language__in=cleaned_translations).delete()
        for code, content in cleaned_translations.items():
            EmailTemplateTranslation.objects.update_or_create(template=template, language=code, defaults=content)
    return template


# --- compiling -------------------------------------------------------------------------------------


class TemplateVersions:
    """The compiled language versions of a set of templates, each compiled (or taken from the
    process-wide cache) once, with the translations of all of them read in one query."""

    def __init__(self, templates: Iterable[EmailTemplate]) -> None:
        self.templates = {template.pk: template for template in templates}
        self.sources: dict[int, dict[str, Any]] = {pk: {t.language: t} for pk, t in self.templates.items()}
        for translated in EmailTemplateTranslation.objects.filter(template_id__in=list(self.templates)):
            self.sources[translated.template_id].setdefault(translated.language, translated)
        self._compiled: dict[tuple[int, str], Compiled] = {}

    def compiled(self, template: EmailTemplate, language: str | None) -> Compiled:
        """``template`` in ``language`` if it has that translation, else in its own language."""
        sources = self.sources[template.pk]
        wanted = (language or "").split("-")[0].lower()
        code = wanted if wanted in sources else template.language
        key = (template.pk, code)
        if key not in self._compiled:
            source = sources[code]
            self._compiled[key] = compile_content(
                ("template", template.pk, template.updated_at, code),
                code,
                source.subject,
                source.preheader,
                source.html_body,
                source.text_body,
            )
        return self._compiled[key]


def template_compiled(template: EmailTemplate, language: str | None) -> Compiled:
    """One template in ``language`` (or its own language when it has no such translation)."""
    return TemplateVersions([template]).compiled(template, language)


# --- context --------------------------------------------------------------------------------------


class StageNames:
    """Lifecycle stage names in each language, read once per batch of emails."""

    def __init__(self) -> None:
        self._stages: dict[int, LifecycleStage] | None = None
        self._names: dict[tuple[int, str], str] = {}

    def name(self, stage_id: int | None, language: str) -> tuple[str | None, str | None]:
        """(name in ``language``, key) of a stage, or ``(None, None)``."""
        if stage_id is None:
            return None, None
        if self._stages is None:
            self._stages = LifecycleStage.objects.in_bulk()
        stage = self._stages.get(stage_id)
        if stage is None:
            return None, None
        if (stage_id, language) not in self._names:
            with translation.override(language):
                self._names[stage_id, language] = str(stage.label)
        return self._names[stage_id, language], stage.key


def contact_context(contact: Contact, *, language: str, stages: StageNames | None = None) -> dict[str, Any]:
    """What templates see as ``contact``: empty fields are left out, so ``default`` works."""
    stage, stage_key = (stages or StageNames()).name(contact.stage_id, language)
    values: dict[str, Any] = {
        "id": contact.pk,
        "email": contact.email,
        "external_id": contact.external_id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "name": contact.name,
        "locale": contact.locale,
        "timezone": contact.timezone,
        "stage": stage,
        "stage_key": stage_key,
        "order_count": contact.order_count,
        "total_revenue": contact.total_revenue,
        "last_order_at": contact.last_order_at,
        "created_at": contact.created_at,
        "attributes": contact.attributes or {},
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def render_context(
    contact: Contact,
    *,
    language: str,
    event: Mapping[str, Any] | None = None,
    journey: Journey | None = None,
    unsubscribe_url: str = "",
    stages: StageNames | None = None,
) -> dict[str, Any]:
    """The values a template renders with: ``contact``, ``event``, ``journey``, ``unsubscribe_url``."""
    context: dict[str, Any] = {
        "contact": Record("contact", contact_context(contact, language=language, stages=stages)),
        "event": Record("event", dict(event or {})),
        "unsubscribe_url": unsubscribe_url or tracking.absolute("/u/preview/"),
    }
    if journey is not None:
        context["journey"] = Record("journey", {"name": journey.name, "id": journey.pk})
    return context


def contact_locale(contact: Contact, language: str | None = None) -> Locale:
    """The contact's language (``language`` when given, else their locale if we speak it, else the
    workspace's) and time zone (theirs, else the workspace's)."""
    wanted = (language or contact.locale or "").split("-")[0].lower()
    return Locale(wanted if wanted in supported_languages() else default_language(), zone_named(contact.timezone))


def workspace_locale() -> Locale:
    """The workspace's language and time zone (email to colleagues)."""
    return Locale(default_language(), zone_named(settings.TIME_ZONE))


def template_preview(
    *,
    template: EmailTemplate,
    contact: Contact,
    language: str | None = None,
    event: Mapping[str, Any] | None = None,
    compiled: Compiled | None = None,
) -> Rendered:
    """The template (or ``compiled``, unsaved content) as this contact would get it, in
    ``language`` when given, with missing values listed. Raises ``TemplateRefused``."""
    if language:
        language = language_normalise(language)
    compiled = compiled or template_compiled(template, language or contact.locale)
    # Dates and numbers follow the version actually shown: a German contact given the English
    # version (no German translation) reads English formats.
    locale = contact_locale(contact, compiled.language)
    return render(compiled, render_context(contact, language=locale.language, event=event), locale)
