"""OpenAPI additions: the API-key security scheme and the shared error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "Some fields are not valid; see “fields”."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"email": ["Enter a valid email address."]},
                },
            },
        }
    },
}

ERROR_RESPONSES = {
    "400": "The request is not valid; `fields` names each offending field.",
    "401": "No valid session or API key.",
    "403": "Your role does not allow this.",
    "429": "Too many requests; retry after the number of seconds in `Retry-After`.",
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "flowbuilder.accounts.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "fb_<prefix>_<secret>",
            "description": "A personal API key created on Settings → API keys.",
        }


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: every operation documents the shared error shape."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status == "400" and method in {"get", "delete"}:
                    continue
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result
