"""Numbers, money and dates for people, in the active language (Babel's CLDR data).

Django formats dates and numbers per language already (``USE_L10N`` is always on); these
add what it lacks: currency with the right symbol, spacing and decimals for each locale,
and compact numbers. Used by template filters here and by email personalisation.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_compact_decimal, format_currency, format_decimal
from babel.numbers import format_percent as format_percent_babel
from django.utils import timezone, translation

Number = int | float | Decimal


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale for a Django language code (``"de"``, ``"sv-se"``); English when unknown."""
    code = (language or translation.get_language() or "en").replace("-", "_")
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_money(amount: Number, currency: str, language: str | None = None) -> str:
    """``format_money(1234.5, "EUR")`` → ``€1,234.50`` in English, ``1.234,50 €`` in German."""
    return format_currency(amount, currency.upper(), locale=babel_locale(language))


def format_number(value: Number, language: str | None = None, *, compact: bool = False) -> str:
    """Grouped digits for the language; ``compact=True`` gives ``12K`` / ``12.345`` → ``12 Tsd.``."""
    locale = babel_locale(language)
    if compact:
        return format_compact_decimal(value, locale=locale, fraction_digits=1)
    return format_decimal(value, locale=locale)


def format_percent(share: Number, language: str | None = None) -> str:
    """A share (``0.4236``) as a percentage with at most one decimal: ``42.4%``, ``42,4 %`` in German."""
    locale = babel_locale(language)
    pattern = locale.percent_formats[None].pattern  # "#,##0%", "#,##0 %"…: keep the spacing
    last_digit = pattern.rfind("0") + 1
    return format_percent_babel(share, format=pattern[:last_digit] + ".#" + pattern[last_digit:], locale=locale)


def format_when(value: date | datetime, language: str | None = None, *, length: str = "medium") -> str:
    """A date, or a date-time in the active time zone, as the language writes it."""
    locale = babel_locale(language)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return format_datetime(value, format=length, locale=locale)
    return format_date(value, format=length, locale=locale)
