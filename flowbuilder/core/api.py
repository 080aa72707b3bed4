"""API plumbing shared by every endpoint: one error shape, pagination.

Every error the API returns has the same shape::

    {"error": {"code": "invalid", "message": "…", "fields": {"email": ["Enter a valid email address."]}}}

``code`` is stable and machine-readable (``invalid``, ``not_authenticated``,
``authentication_failed``, ``permission_denied``, ``not_found``, ``method_not_allowed``,
``parse_error``, ``unsupported_media_type``, ``throttled``, ``server_error``…);
``message`` is for people; ``fields`` maps each offending field to its messages,
nested fields joined with dots (``nodes.3.config.template``). It is ``{}`` when the
error is not about particular fields.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"dotted.path": [messages]}``.

    Errors not tied to a field land under the path of their object: ``""`` at the
    top level, ``"nodes.3"`` inside a nested one.
    """
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = prefix if key in NON_FIELD_KEYS else (f"{prefix}.{key}" if prefix else str(key))
            for path, messages in flatten_errors(value, name).items():
                out.setdefault(path, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None, ""):
                    continue
                path = f"{prefix}.{index}" if prefix else str(index)
                if isinstance(item, dict | list):
                    for sub, messages in flatten_errors(item, path).items():
                        out.setdefault(sub, []).extend(messages)
                else:
                    out.setdefault(prefix, []).append(str(item))
    else:
        out[prefix] = [str(detail)]
    return out


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler that answers every handled error in the shape above."""
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; the API answers it like any invalid input.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        general = fields.pop("", [])
        message = " ".join(general) if general else _("Some fields are not valid; see “fields”.")
        response.data = error_body("invalid", message, fields)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(str(code), str(exc.detail))
    return response


def json_object(request: Any, allowed: set[str] | frozenset[str] | None = None) -> dict[str, Any]:
    """The request's JSON body as a dict; a 400 naming the problem when it is not an object or
    (with ``allowed``) has fields the endpoint does not take."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"": [_("Expected a JSON object.")]})
    if allowed is not None and (unknown := sorted(set(request.data) - set(allowed))):
        raise exceptions.ValidationError({name: [_("Unknown field.")] for name in unknown})
    return dict(request.data)


def id_lists(data: dict[str, Any], keys: tuple[str, ...] = ("add", "remove")) -> dict[str, list[int]]:
    """``{"add": [ids], "remove": [ids]}`` checked to be lists of ids; a 400 naming the key otherwise."""
    lists = {}
    for key in keys:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            raise exceptions.ValidationError({key: [_("Expected a list of contact ids.")]})
        lists[key] = value
    return lists


class IngestThrottle(UserRateThrottle):
    """Event ingestion has its own, higher budget (``API_THROTTLE_INGEST``)."""

    scope = "ingest"


class Pagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M`` (at most 500); answers ``{count, next, previous, results}``."""

    page_size_query_param = "page_size"
    max_page_size = 500


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("There is no API endpoint at this address.")), status=404)
    from django.views.defaults import page_not_found as default

    return default(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side. It has been logged.")), status=500
        )
    from django.views.defaults import server_error as default

    return default(request)
