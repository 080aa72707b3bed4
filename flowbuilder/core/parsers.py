"""The project's request parsers (settings: ``DEFAULT_PARSER_CLASSES``). A module of their own:
DRF imports them while views are being defined, so they must not import views."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, where a document nested too deep for Python is bad input (400), not a
    crash (``RecursionError`` escaped DRF's parser as a 500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON is nested too deeply.")) from None
