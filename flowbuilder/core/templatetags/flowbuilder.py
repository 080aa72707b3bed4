from __future__ import annotations

import json

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from flowbuilder.core.formatting import Number, format_money, format_number, format_percent

register = template.Library()


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    """An icon from the sprite built from frontend/icons.json.

    Decorative (hidden from screen readers) unless ``label`` is given.
    """
    href = f"{static('build/icons.svg')}#i-{name}"
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href)
    return format_html('<svg class="icon" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href)


@register.filter
def money(amount: Number | None, currency: str = "EUR") -> str:
    """``{{ order.revenue|money:"EUR" }}`` in the active language; empty for no amount."""
    return "" if amount is None else format_money(amount, currency)


@register.filter
def number(value: Number | None, style: str = "") -> str:
    """``{{ count|number }}`` grouped for the language; ``{{ count|number:"compact" }}`` → 12K."""
    return "" if value is None else format_number(value, compact=style == "compact")


@register.filter
def percent(share: Number | None) -> str:
    """``{{ stats.opened_rate|percent }}``: 0.4236 → 42.4% in the active language; "—" for no share."""
    return "—" if share is None else format_percent(share)


@register.filter
def get_item(mapping: dict[str, object] | None, key: str) -> object:
    """``{{ counts|get_item:state }}``: a dictionary lookup with a variable key."""
    return (mapping or {}).get(key)


@register.filter
def json_value(value: object) -> str:
    """A JSON value as people read it: texts as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
