"""What a new template can start from in the editor ("Start from"): the blank layout, and a few
finished emails of the demo (``journeys.demo.TEMPLATES``) with every language version the demo
has, so a starter comes translated.

To add a starter, add an email to ``demo.TEMPLATES`` and a line to ``STARTERS`` naming it, with a
label, a one-line description and a Lucide icon listed in ``frontend/icons.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from journeys import demo


@dataclass(frozen=True)
class Starter:
    key: str
    label: StrOrPromise
    description: StrOrPromise
    icon: str
    demo_name: str | None = None  # the email in demo.TEMPLATES; None: the blank layout


STARTERS = (
    Starter(
        "blank",
        _("Blank layout"),
        _("Our responsive layout with a headline, a paragraph and a button to fill in."),
        "layout-template",
    ),
    Starter("welcome", _("Welcome"), _("Greets new subscribers and says what comes next."), "party-popper", "Welcome"),
    Starter(
        "nurture",
        _("Nurture"),
        _("Shows new leads how teams like theirs get results."),
        "sprout",
        "Nurture: how teams use Flowbuilder",
    ),
    Starter(
        "cart-reminder",
        _("Cart reminder"),
        _("A friendly nudge back to a cart left behind."),
        "shopping-cart",
        "Cart reminder",
    ),
    Starter("win-back", _("We miss you"), _("Wins back quiet customers with a discount."), "heart", "We miss you"),
    Starter(
        "review-request",
        _("Review request"),
        _("Asks for a review a few days after a purchase."),
        "star",
        "Review request",
    ),
)


def _blank(language: str) -> dict[str, str]:
    # The placeholder words in the language of the email, not of the page.
    with translation.override(language):
        return {"subject": "", "preheader": "", "html_body": demo.starter_html(language), "text_body": ""}


def _versions(starter: Starter, language: str) -> dict[str, dict[str, str]]:
    if starter.demo_name is None:
        return {language: _blank(language)}
    return {code: demo.email_content(code, email) for code, email in demo.TEMPLATES[starter.demo_name].items()}


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name 2``, ``name 3``… when a template is already called that."""
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name} {number}"
    return candidate


def starters_for_editor(*, language: str, taken: Iterable[str]) -> list[dict[str, Any]]:
    """Every starter as the editor takes it: ``key``, ``label``, ``description``, ``icon``,
    ``name`` (a suggestion no template has yet; empty for the blank layout) and ``versions``
    (language → subject, preheader, HTML and text body). ``language`` is the main language of the
    new template: the blank layout is written in it."""
    names = {name.lower() for name in taken}
    return [
        {
            "key": starter.key,
            "label": str(starter.label),
            "description": str(starter.description),
            "icon": starter.icon,
            "name": _free_name(str(starter.label), names) if starter.demo_name else "",
            "versions": _versions(starter, language),
        }
        for starter in STARTERS
    ]
