"""REST API of the email channel: templates (with translations), preview, test send, reports,
and the bounce/complaint webhook for mail providers."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from contacts.models import Contact
from contacts.selectors import known_attribute_names, known_event_names
from flowbuilder.accounts.roles import Role
from flowbuilder.core.api import Pagination, json_object
from flowbuilder.core.formatting import format_number
from flowbuilder.core.languages import default_language, language_normalise
from flowbuilder.core.validation import storable_text
from journeys.emails import selectors
from journeys.emails.rendering import TemplateRefused, compile_unsaved
from journeys.emails.services import feedback, outbox
from journeys.emails.services import templates as template_services
from journeys.emails.services.templates import CONTENT_FIELDS
from journeys.models import EmailTemplate, Journey, OutboundMessage

TAG = "email"


@extend_schema_serializer(component_name="EmailTemplate")
class TemplateOutput(serializers.ModelSerializer[EmailTemplate]):
    translations = serializers.SerializerMethodField()

    class Meta:
        model = EmailTemplate
        fields = [
            "id",
            "name",
            "language",
            "subject",
            "preheader",
            "html_body",
            "text_body",
            "sender_name",
            "sender_email",
            "reply_to",
            "on_missing",
            "is_active",
            "translations",
            "created_at",
            "updated_at",
        ]

    def get_translations(self, template: EmailTemplate) -> dict[str, dict[str, str]]:
        return {t.language: {name: getattr(t, name) for name in CONTENT_FIELDS} for t in template.translations.all()}


# What a client may send: what it reads, but for the id and the timestamps.
TEMPLATE_FIELDS = set(TemplateOutput.Meta.fields) - {"id", "created_at", "updated_at"}

TemplateInput = inline_serializer(
    "EmailTemplateInput",
    fields={
        "name": serializers.CharField(),
        "language": serializers.CharField(required=False),
        "subject": serializers.CharField(
            help_text="Jinja2, e.g. Welcome, {{ contact.first_name | default('there') }}!"
        ),
        "preheader": serializers.CharField(required=False, allow_blank=True),
        "html_body": serializers.CharField(required=False, allow_blank=True),
        "text_body": serializers.CharField(required=False, allow_blank=True, help_text="Empty: made from the HTML."),
        "sender_name": serializers.CharField(required=False, allow_blank=True),
        "sender_email": serializers.EmailField(required=False, allow_blank=True),
        "reply_to": serializers.EmailField(required=False, allow_blank=True),
        "on_missing": serializers.ChoiceField(choices=EmailTemplate.OnMissing.choices, required=False),
        "is_active": serializers.BooleanField(required=False),
        "translations": serializers.DictField(
            child=serializers.DictField(),
            required=False,
            help_text='{"de": {"subject", "preheader", "html_body", "text_body"}}',
        ),
    },
)
EXAMPLE = {
    "name": "Welcome",
    "language": "en",
    "subject": "Welcome, {{ contact.first_name | default('there') }}!",
    "html_body": "<p>Hi {{ contact.first_name | default('there') }},</p><p>Thanks for joining.</p>",
    "translations": {
        "de": {
            "subject": "Willkommen, {{ contact.first_name | default('du') }}!",
            "html_body": "<p>Hallo {{ contact.first_name | default('du') }},</p><p>Danke!</p>",
        }
    },
}


def _save(request: Request, template: EmailTemplate | None) -> EmailTemplate:
    data = json_object(request, TEMPLATE_FIELDS)
    translations = data.pop("translations", None)
    return template_services.template_save(template=template, data=data, translations=translations)


class TemplateListApi(APIView):
    @extend_schema(tags=[TAG], operation_id="templates_list", responses=TemplateOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(
            EmailTemplate.objects.prefetch_related("translations").order_by("name"), request, view=self
        )
        return paginator.get_paginated_response(TemplateOutput(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="templates_create",
        request=TemplateInput,
        responses={201: TemplateOutput},
        examples=[OpenApiExample("Welcome", value=EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        return Response(TemplateOutput(_save(request, None)).data, status=status.HTTP_201_CREATED)


class TemplateDetailApi(APIView):
    @extend_schema(tags=[TAG], operation_id="templates_retrieve", responses=TemplateOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(TemplateOutput(get_object_or_404(EmailTemplate, pk=pk)).data)

    @extend_schema(tags=[TAG], operation_id="templates_partial_update", request=TemplateInput, responses=TemplateOutput)
    def patch(self, request: Request, pk: int) -> Response:
        return Response(TemplateOutput(_save(request, get_object_or_404(EmailTemplate, pk=pk))).data)

    @extend_schema(tags=[TAG], operation_id="templates_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        template = get_object_or_404(EmailTemplate, pk=pk)
        # Its emails (sent, or not sent and why) are its report; test sends are not.
        if template.messages.exclude(kind=OutboundMessage.Kind.TEST).exists():
            raise exceptions.ValidationError(
                {"": [_("This template has sent emails; switch it off instead, so its reports stay.")]}
            )
        template.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


PreviewInput = inline_serializer(
    "EmailPreviewInput",
    fields={
        "contact_id": serializers.IntegerField(required=False, help_text="Render as this contact (default: a sample)."),
        "language": serializers.CharField(required=False),
        "event": serializers.DictField(required=False, help_text="Properties of the triggering event."),
        "content": serializers.DictField(
            required=False, help_text="Unsaved subject/preheader/html_body/text_body to render instead."
        ),
    },
)
PreviewOutput = inline_serializer(
    "EmailPreview",
    fields={
        "language": serializers.CharField(),
        "subject": serializers.CharField(),
        "preheader": serializers.CharField(),
        "html": serializers.CharField(),
        "text": serializers.CharField(),
        "missing": serializers.ListField(child=serializers.CharField(), help_text="Values the contact lacks."),
    },
)


class TemplatePreviewApi(APIView):
    """Render a template (or unsaved content) as a real contact would get it."""

    write_role = Role.VIEWER  # a POST that only reads

    @extend_schema(tags=[TAG], operation_id="templates_preview", request=PreviewInput, responses=PreviewOutput)
    def post(self, request: Request, pk: int) -> Response:
        return _preview(request, get_object_or_404(EmailTemplate, pk=pk))


class TemplateUnsavedPreviewApi(APIView):
    """Render content that is not a template yet (the editor of a new template), as a real
    contact would get it: ``content`` is required, ``language`` is the language it is in."""

    write_role = Role.VIEWER  # a POST that only reads

    @extend_schema(tags=[TAG], operation_id="templates_preview_unsaved", request=PreviewInput, responses=PreviewOutput)
    def post(self, request: Request) -> Response:
        return _preview(request, None)


def _preview(request: Request, template: EmailTemplate | None) -> Response:
    """The preview of ``template``, or of the unsaved ``content`` alone when ``template`` is None."""
    data = json_object(request, {"contact_id", "language", "event", "content"})
    contact = _contact(data.get("contact_id"))
    language = _language(data.get("language"))
    event = data.get("event") or {}
    if not isinstance(event, dict):
        raise exceptions.ValidationError({"event": [_("Expected an object.")]})
    if template is None:
        if not isinstance(data.get("content"), dict):
            raise exceptions.ValidationError({"content": [_("Expected the subject, preheader and bodies.")]})
        template = EmailTemplate(language=language or default_language())
    try:
        if isinstance(data.get("content"), dict):
            content = {name: str(data["content"].get(name) or "") for name in CONTENT_FIELDS}
            # A preview renders what there is: an empty subject or body is for saving to refuse.
            errors = template_services.content_check(content, "content.", required=False)
            if errors:
                raise exceptions.ValidationError(errors)
            compiled = compile_unsaved(
                language or template.language,
                content["subject"],
                content["preheader"],
                content["html_body"],
                content["text_body"],
            )
        else:
            compiled = None
        rendered = template_services.template_preview(
            template=template, contact=contact, language=language, event=event, compiled=compiled
        )
    except TemplateRefused as exc:
        raise _refused(exc) from None
    return Response(
        {
            "language": rendered.language,
            "subject": rendered.subject,
            "preheader": rendered.preheader,
            "html": rendered.html,
            "text": rendered.text,
            "missing": rendered.missing,
        }
    )


def _language(value: Any) -> str | None:
    """The supported language ``value`` names, None when empty; a 400 naming ``language`` otherwise."""
    if value in (None, ""):
        return None
    try:
        return language_normalise(str(value))
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"language": exc.messages}) from None


def _refused(exc: TemplateRefused) -> exceptions.ValidationError:
    return exceptions.ValidationError({"": [_("The template cannot be rendered: %(reason)s") % {"reason": exc}]})


def _contact(contact_id: Any) -> Contact:
    if contact_id in (None, ""):
        return Contact(email="alex@example.com", first_name=_("Alex"), last_name=_("Example"))
    if not isinstance(contact_id, int) or isinstance(contact_id, bool):
        raise exceptions.ValidationError({"contact_id": [_("Expected the id of a contact.")]})
    return get_object_or_404(Contact.objects.select_related("stage"), pk=contact_id)


class TemplateTestSendApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="templates_test_send",
        request=inline_serializer(
            "TestSendInput",
            fields={
                "to": serializers.EmailField(),
                "language": serializers.CharField(required=False),
                "contact_id": serializers.IntegerField(required=False),
            },
        ),
        responses={202: inline_serializer("TestSendResult", fields={"message_id": serializers.CharField()})},
    )
    def post(self, request: Request, pk: int) -> Response:
        template = get_object_or_404(EmailTemplate, pk=pk)
        data = json_object(request, {"to", "language", "contact_id"})
        contact = _contact(data["contact_id"]) if data.get("contact_id") else None
        try:
            message = outbox.message_test_send(
                template=template,
                to=str(data.get("to") or ""),
                language=_language(data.get("language")),
                contact=contact,
            )
        except TemplateRefused as exc:
            raise _refused(exc) from None
        return Response({"message_id": message.message_id}, status=status.HTTP_202_ACCEPTED)


class TemplateVariablesApi(APIView):
    @extend_schema(tags=[TAG], operation_id="templates_variables", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        contact_fields = [
            "email",
            "first_name",
            "last_name",
            "name",
            "locale",
            "timezone",
            "stage",
            "order_count",
            "total_revenue",
            "last_order_at",
            "created_at",
        ]
        return Response(
            {
                "contact": [f"contact.{name}" for name in contact_fields]
                + ["contact.stage_key"]
                + [f"contact.attributes.{name}" for name in known_attribute_names()],
                "other": ["event.<property>", "journey.name", "unsubscribe_url"],
                "filters": ["default('…')", "title", "date", "datetime", "number", "money('EUR')"],
                "events": known_event_names(limit=50),
            }
        )


class TemplateReportApi(APIView):
    @extend_schema(tags=[TAG], operation_id="templates_report", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        template = get_object_or_404(EmailTemplate, pk=pk)
        return Response(selectors.template_stats([template.pk])[template.pk])


class JourneyEmailReportApi(APIView):
    @extend_schema(
        tags=["journeys"],
        operation_id="journeys_email_report",
        responses=OpenApiTypes.OBJECT,
        description="Email figures per send step of the journey, all versions together.",
    )
    def get(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        return Response(selectors.journey_node_stats(journey.pk))


class WebhookThrottle(AnonRateThrottle):
    scope = "ingest"


def _webhook_item_errors(item: Any) -> list[str] | dict[str, list[str]]:
    """What is wrong with one event of the webhook (empty when nothing is)."""
    if not isinstance(item, dict):
        return [_('Expected an event object: {"type": "bounce"|"complaint", "email": …}.')]
    errors: dict[str, list[str]] = {}
    if item.get("type") not in ("bounce", "complaint"):
        errors["type"] = [_("Expected “bounce” or “complaint”.")]
    if not isinstance(item.get("email"), str) or not item["email"].strip():
        errors["email"] = [_("Give the email address the problem is about.")]
    for name in ("message_id", "reason"):
        if item.get(name) is not None and not isinstance(item[name], str):
            errors[name] = [_("Expected a text.")]
    if item.get("permanent") is not None and not isinstance(item["permanent"], bool):
        errors["permanent"] = [_("Expected true (a hard bounce) or false (a soft bounce).")]
    for name in ("type", "email", "message_id", "reason"):
        value = item.get(name)
        if name not in errors and isinstance(value, str) and not storable_text(value):
            errors[name] = [_("Expected a text without NUL characters or lone surrogates.")]
    return errors


class EmailEventsWebhookApi(APIView):
    """Bounces and complaints reported by your mail provider (authenticated by a shared secret)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes = [WebhookThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # What makes a missing or wrong secret a 401 (DRF answers 403 without one).
        return 'Bearer realm="email events"'

    @extend_schema(
        tags=[TAG],
        operation_id="email_events_webhook",
        auth=[],
        request=inline_serializer(
            "EmailEventInput",
            fields={
                "type": serializers.ChoiceField(choices=["bounce", "complaint"]),
                "email": serializers.EmailField(),
                "message_id": serializers.CharField(
                    required=False, help_text="The Message-ID header of the email, if known."
                ),
                "permanent": serializers.BooleanField(
                    required=False, help_text="Hard bounce (default true); soft bounces are only recorded."
                ),
                "reason": serializers.CharField(required=False),
            },
        ),
        responses={202: inline_serializer("EmailEventResult", fields={"recorded": serializers.IntegerField()})},
        description="Send `Authorization: Bearer <EMAIL_WEBHOOK_SECRET>` and one event object or a list of them. "
        "Hard bounces and complaints stop all marketing email to the address.",
        examples=[
            OpenApiExample(
                "A hard bounce",
                value={
                    "type": "bounce",
                    "email": "kim@example.com",
                    "message_id": "<3f2a…@flowbuilder.mail>",
                    "permanent": True,
                    "reason": "550 5.1.1 user unknown",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        secret = settings.EMAIL_WEBHOOK_SECRET
        scheme, _space, given = request.headers.get("Authorization", "").strip().partition(" ")
        if not secret or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), secret.encode()):
            raise exceptions.AuthenticationFailed(_("Missing or wrong webhook secret."))
        items = request.data if isinstance(request.data, list) else [request.data]
        if len(items) > 1000:
            raise exceptions.ValidationError(
                {"": [_("At most %(n)s events per request.") % {"n": format_number(1000)}]}
            )
        errors = {str(index): problems for index, item in enumerate(items) if (problems := _webhook_item_errors(item))}
        if errors:
            # Nothing of a request with a bad event is stored: the provider can fix and resend it whole.
            raise exceptions.ValidationError(errors)
        with transaction.atomic():
            recorded = sum(
                feedback.delivery_problem(
                    kind=item["type"],
                    email=item["email"],
                    message_id=item.get("message_id") or "",
                    permanent=item.get("permanent") is not False,
                    reason=item.get("reason") or "",
                )
                for item in items
            )
        return Response({"recorded": recorded}, status=status.HTTP_202_ACCEPTED)
