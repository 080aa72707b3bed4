"""The Segment HTTP Tracking API: ``POST /v1/{identify,track,page,screen,group,alias,batch}``.

Plain Django views (no DRF: this is the high-volume path and speaks the spec's answers, not
the REST API's): the write key as HTTP Basic username (server SDKs) or as ``writeKey`` in the
body (browsers send text/plain JSON to avoid a CORS preflight); gzip bodies; 500 KB per batch
and 32 KB per message; ``{"success": true}`` when everything was stored, otherwise 400 with the
reason (and, for a batch, which messages were refused — the others are stored).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from contacts.ingest.segment import MAX_MESSAGE_BYTES, messages_ingest
from flowbuilder.accounts.authentication import write_key_from_request
from flowbuilder.accounts.services import write_key_authenticate

MAX_BATCH_BYTES = 500 * 1024
# analytics.js (the browser SDK) posts to one-letter paths: /v1/t, /v1/p, /v1/i …
# /v1/import is the older name of /v1/batch.
SHORT = {
    "t": "track",
    "p": "page",
    "i": "identify",
    "s": "screen",
    "g": "group",
    "a": "alias",
    "b": "batch",
    "import": "batch",
}


class BadRequest(Exception):
    def __init__(self, message: str, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _cors(response: HttpResponse) -> HttpResponse:
    """Websites on other domains send here from the browser; the write key is the credential."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Content-Encoding, X-Retry-Count"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _answer(status: int, body: dict[str, Any], code: str = "") -> HttpResponse:
    """The SDKs read ``code`` and ``message`` of a refusal (segment/rudderstack ``APIError``)."""
    if code:
        body = {"success": False, "code": code, **body}
    response = _cors(JsonResponse(body, status=status))
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Flowbuilder ingest"'
    return response


def _body(request: HttpRequest, limit: int) -> Any:
    """The request's JSON, gunzipped when it says so, refused past ``limit`` bytes."""
    size_error = (
        _("The batch is larger than 500 KB; send fewer messages per request.")
        if limit == MAX_BATCH_BYTES
        else _("The message is larger than 32 KB.")
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if declared > limit and encoding != "gzip":
        raise BadRequest(size_error, "payload_too_large")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BadRequest(size_error, "payload_too_large") from None
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            raw = inflater.decompress(raw, limit + 1)
        except zlib.error:
            raise BadRequest(_("The body says Content-Encoding: gzip but is not gzip data.")) from None
        if len(raw) > limit or inflater.unconsumed_tail:
            raise BadRequest(size_error, "payload_too_large")
    elif encoding not in ("", "identity"):
        raise BadRequest(
            _("Unsupported Content-Encoding “%(encoding)s”; send gzip or nothing.") % {"encoding": encoding}
        )
    elif len(raw) > limit:
        raise BadRequest(size_error, "payload_too_large")
    if not raw.strip():
        raise BadRequest(_("The body is empty; send a JSON object."))
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(_("The body is not valid JSON: %(reason)s.") % {"reason": exc}, "invalid_json") from None


def _write_key(request: HttpRequest, body: Any) -> Any:
    key = write_key_from_request(request)
    if key is not None:
        return key
    if request.META.get("HTTP_AUTHORIZATION"):
        return None  # a header that is not a valid write key: do not fall back to the body
    candidate = body.get("writeKey") if isinstance(body, dict) else None
    if candidate is None and isinstance(body, dict) and isinstance(body.get("batch"), list) and body["batch"]:
        first = body["batch"][0]
        candidate = first.get("writeKey") if isinstance(first, dict) else None
    return write_key_authenticate(key=candidate) if isinstance(candidate, str) and candidate else None


@csrf_exempt
@login_not_required
def ingest(request: HttpRequest, kind: str) -> HttpResponse:
    kind = SHORT.get(kind, kind)
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "POST":
        response = _answer(405, {"message": _("Send messages with POST.")}, "method_not_allowed")
        response["Allow"] = "POST, OPTIONS"
        return response
    try:
        body = _body(request, MAX_BATCH_BYTES if kind == "batch" else MAX_MESSAGE_BYTES)
    except BadRequest as exc:  # (the key may be in the body, so a body that cannot be read says so first)
        return _answer(400, {"message": exc.message}, exc.code)
    if _write_key(request, body) is None:
        return _answer(
            401,
            {
                "message": _(
                    "Missing, unknown or revoked write key. Send it as the HTTP Basic user name "
                    "(Settings → Write keys for analytics SDKs); nothing was stored."
                ),
            },
            "unauthorized",
        )
    if not isinstance(body, dict):
        return _answer(400, {"message": _("Expected a JSON object.")}, "invalid_request")
    if kind == "batch":
        messages = body.get("batch")
        if not isinstance(messages, list):
            return _answer(400, {"message": _('A batch is {"batch": [messages…]}.')}, "invalid_request")
        if not messages:
            return _answer(400, {"message": _("The batch is empty.")}, "invalid_request")
        default_type = None
        context = body.get("context")
        if isinstance(context, dict):  # the batch's context applies to each message without its own
            messages = [{"context": context, **m} if isinstance(m, dict) else m for m in messages]
    else:
        messages = [body]
        default_type = kind
    report = messages_ingest(
        messages=messages, default_type=default_type, ip=request.META.get("REMOTE_ADDR", ""), now=timezone.now()
    )
    summary = {"stored": report.stored, "duplicates": report.duplicates}
    if not report.rejected:
        return _answer(200, {"success": True, **summary})
    first = report.rejected[0]
    reason = "; ".join(f"{field or 'message'}: {' '.join(texts)}" for field, texts in first.errors.items())
    message = reason
    if kind == "batch":
        message = ngettext(
            "%(n)s message was not stored. The first: message %(index)s — %(reason)s",
            "%(n)s messages were not stored. The first: message %(index)s — %(reason)s",
            len(report.rejected),
        ) % {"n": len(report.rejected), "index": first.index, "reason": reason}
        if report.stored or report.duplicates:
            message += " " + _("The other messages were stored.")
    return _answer(
        400, {"message": message, **summary, "rejected": [r.as_dict() for r in report.rejected]}, "invalid_messages"
    )


@login_not_required
def sdk_settings(request: HttpRequest, write_key: str) -> HttpResponse:
    """``GET /v1/projects/<writeKey>/settings``: what analytics.js (``@segment/analytics-next``) loads
    first, from its ``cdnURL``. It tells the browser SDK to send to this site (``apiHost``), with no
    other destinations, no remote plugins and no telemetry, so nothing leaves for Segment."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if write_key_authenticate(key=write_key) is None:
        return _answer(404, {"message": _("Unknown or revoked write key.")}, "not_found")
    host = f"{request.get_host()}/v1"
    segment_io: dict[str, Any] = {
        "apiKey": write_key,
        "apiHost": host,
        "protocol": "https" if request.is_secure() else "http",
        "unbundledIntegrations": [],
        "addBundledMetadata": True,
        "maybeBundledConfigIds": {},
    }
    document = {
        "integrations": {"Segment.io": segment_io},
        "plan": {"track": {"__default": {"enabled": True, "integrations": {}}}},
        "edgeFunction": {},
        "analyticsNextEnabled": True,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "metrics": {"sampleRate": 0, "host": host},
        "legacyVideoPluginsEnabled": False,
        "remotePlugins": [],
    }
    response = _cors(JsonResponse(document))
    response["Cache-Control"] = "public, max-age=300"
    return response
