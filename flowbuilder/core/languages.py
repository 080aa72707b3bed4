"""The languages Flowbuilder speaks, and turning what people send into one of them."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CODE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")


def supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def default_language() -> str:
    """The workspace's language (``LANGUAGE_CODE`` without a region: ``en``)."""
    return settings.LANGUAGE_CODE.split("-")[0]


def language_normalise(value: str) -> str:
    """Return the supported language for ``value`` (``"de-AT"``, ``"DE"``, ``"sv_SE"`` → ``de``/``sv``).

    Raises ``ValidationError`` (code ``unknown_language``) naming the value and the
    supported languages when it is not a language code or not one Flowbuilder speaks.
    """
    text = (value or "").strip()
    primary = text.replace("_", "-").split("-")[0].lower() if _CODE.fullmatch(text) else ""
    if primary not in supported_languages():
        raise ValidationError(
            _("“%(value)s” is not a language Flowbuilder supports. Use one of: %(codes)s.")
            % {"value": value, "codes": ", ".join(supported_languages())},
            code="unknown_language",
        )
    return primary
