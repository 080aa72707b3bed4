from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from flowbuilder.core.formatting import format_money, format_number, format_when

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€1,234.50"), ("de", f"1.234,50{NBSP}€"), ("nl", f"€{NBSP}1.234,50"), ("sv", f"1{NBSP}234,50{NBSP}€")],
)
def test_money_is_written_as_each_language_writes_it(language, expected):
    assert format_money(Decimal("1234.5"), "eur", language) == expected


def test_numbers_group_digits_per_language_and_compact_on_request():
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(1234567, "de") == "1.234.567"
    assert format_number(12345, "en", compact=True) == "12.3K"


def test_date_times_are_shown_in_the_active_time_zone_and_language():
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("UTC"))
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert format_when(moment, "de") == "29.03.2026, 01:30:00"
    with timezone.override(ZoneInfo("Europe/Stockholm")):
        assert format_when(moment, "sv", length="short") == "2026-03-29 01:30"


def test_template_filters_follow_the_active_language():
    template = Template('{% load flowbuilder %}{{ amount|money:"SEK" }} · {{ count|number }}')
    with translation.override("sv"):
        assert template.render(Context({"amount": 499, "count": 10000})) == f"499,00{NBSP}kr · 10{NBSP}000"
    with translation.override("en"):
        assert template.render(Context({"amount": None, "count": 10000})) == " · 10,000"
