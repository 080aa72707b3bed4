"""REST API of the contacts app: thin views over services and selectors."""

from __future__ import annotations

import csv
from typing import Any

from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts import selectors
from contacts.models import Audience, AudienceMember, Contact, Event, LifecycleStage, Segment
from contacts.providers import provider_class
from contacts.services import audiences as audience_services
from contacts.services import segments as segment_services
from contacts.services.contacts import contact_erase, contact_update, contact_upsert
from contacts.services.events import MAX_BATCH, events_record
from flowbuilder.accounts.roles import Role
from flowbuilder.core.api import IngestThrottle, Pagination, id_lists, json_object

TAG = "contacts"


# --- serializers (output) --------------------------------------------------------------------


@extend_schema_serializer(component_name="Contact")
class ContactOutput(serializers.ModelSerializer[Contact]):
    stage: serializers.SlugRelatedField[LifecycleStage] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True
    )
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "external_id",
            "first_name",
            "last_name",
            "timezone",
            "locale",
            "attributes",
            "tags",
            "email_consent",
            "consent_changed_at",
            "stage",
            "created_at",
            "updated_at",
            "last_seen_at",
            "order_count",
            "total_revenue",
            "first_order_at",
            "last_order_at",
        ]

    def get_tags(self, contact: Contact) -> list[str]:
        return sorted(tag.name for tag in contact.tags.all())


CONTACT_INPUT_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "email": serializers.EmailField(required=False, allow_null=True),
    "external_id": serializers.CharField(required=False, allow_null=True, max_length=255),
    "first_name": serializers.CharField(required=False, allow_blank=True),
    "last_name": serializers.CharField(required=False, allow_blank=True),
    "timezone": serializers.CharField(required=False, allow_blank=True, help_text="IANA name, e.g. Europe/Berlin"),
    "locale": serializers.CharField(required=False, allow_blank=True, help_text="de, de-AT, nl, sv, en…"),
    "attributes": serializers.DictField(required=False, help_text="Merged into the stored ones; null removes a key."),
    "tags": serializers.ListField(child=serializers.CharField(), required=False, help_text="Replaces all tags."),
    "add_tags": serializers.ListField(child=serializers.CharField(), required=False),
    "remove_tags": serializers.ListField(child=serializers.CharField(), required=False),
    "stage": serializers.CharField(required=False, allow_null=True, help_text="Lifecycle stage key."),
    "email_consent": serializers.ChoiceField(choices=Contact.Consent.choices, required=False),
}
CONTACT_FIELD_NAMES = frozenset(CONTACT_INPUT_FIELDS)
CONTACT_DATA_FIELDS = CONTACT_FIELD_NAMES - {"email", "external_id"}
# DRF's serializer metaclass consumes the fields it is given: hand it a copy.
ContactInput = inline_serializer("ContactInput", fields=dict(CONTACT_INPUT_FIELDS))


class ContactListApi(APIView):
    """List and search contacts; create or update one by email or external id."""

    @extend_schema(
        tags=[TAG],
        operation_id="contacts_list",
        parameters=[
            OpenApiParameter("q", str, description="Search email, external id and names."),
            OpenApiParameter("stage", str, description="Lifecycle stage key."),
            OpenApiParameter("segment", int, description="Segment id."),
            OpenApiParameter("consent", str, enum=Contact.Consent.values),
            OpenApiParameter("tag", str),
            OpenApiParameter("attributes.<name>", str, description="Exact attribute value, e.g. attributes.plan=pro."),
            OpenApiParameter("ordering", str, enum=sorted(selectors.ORDERINGS)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=ContactOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        contacts = selectors.contacts_search(params=request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(contacts, request, view=self)
        return paginator.get_paginated_response(ContactOutput(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="contacts_upsert",
        request=ContactInput,
        responses={200: ContactOutput, 201: ContactOutput},
        description="Creates the contact, or updates the one with this email or external id (200).",
        examples=[
            OpenApiExample(
                "Create or update",
                value={
                    "email": "kim@example.com",
                    "first_name": "Kim",
                    "locale": "de-AT",
                    "attributes": {"plan": "pro", "company": {"size": 40}},
                    "add_tags": ["webinar-2026"],
                    "stage": "lead",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = json_object(request, set(CONTACT_FIELD_NAMES))
        contact, created = contact_upsert(
            email=data.get("email"),
            external_id=data.get("external_id"),
            data={k: v for k, v in data.items() if k in CONTACT_DATA_FIELDS},
        )
        contact = Contact.objects.prefetch_related("tags").select_related("stage").get(pk=contact.pk)
        return Response(ContactOutput(contact).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ContactDetailApi(APIView):
    def _get(self, pk: int) -> Contact:
        return get_object_or_404(Contact.objects.select_related("stage").prefetch_related("tags"), pk=pk)

    @extend_schema(tags=[TAG], operation_id="contacts_retrieve", responses=ContactOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ContactOutput(self._get(pk)).data)

    @extend_schema(tags=[TAG], operation_id="contacts_partial_update", request=ContactInput, responses=ContactOutput)
    def patch(self, request: Request, pk: int) -> Response:
        contact = self._get(pk)
        data = json_object(request, set(CONTACT_FIELD_NAMES))
        contact_update(contact=contact, data=data)
        return Response(ContactOutput(self._get(pk)).data)

    @extend_schema(
        tags=[TAG],
        operation_id="contacts_erase",
        responses={204: None},
        description="Erases the contact: personal data, events, history and memberships. Cannot be undone.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        contact_erase(contact=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="Event")
class EventOutput(serializers.ModelSerializer[Event]):
    class Meta:
        model = Event
        fields = ["id", "name", "properties", "occurred_at", "received_at", "idempotency_key", "source"]


class ContactEventsApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="contacts_events_list",
        parameters=[OpenApiParameter("name", str), OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=EventOutput(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        contact = get_object_or_404(Contact, pk=pk)
        events = selectors.contact_events(contact=contact, name=request.query_params.get("name"))
        paginator = Pagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(EventOutput(page, many=True).data)


EVENT_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "name": serializers.CharField(max_length=200),
    "contact_id": serializers.IntegerField(required=False),
    "email": serializers.EmailField(required=False),
    "external_id": serializers.CharField(required=False),
    "properties": serializers.DictField(required=False),
    "occurred_at": serializers.DateTimeField(required=False, help_text="Default: when received. Without offset: UTC."),
    "idempotency_key": serializers.CharField(required=False, max_length=255),
    "context": serializers.DictField(required=False),
}


class EventIngestApi(APIView):
    """Record events: one object, or ``{"events": [...]}`` with up to 1,000."""

    throttle_classes = [IngestThrottle]

    @extend_schema(
        tags=[TAG],
        operation_id="events_create",
        request=inline_serializer(
            "EventBatchInput",
            fields={
                "events": serializers.ListField(
                    child=inline_serializer("EventInput", fields=EVENT_FIELDS), max_length=MAX_BATCH
                )
            },
        ),
        responses={
            202: inline_serializer(
                "EventBatchResult",
                fields={
                    "stored": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "rejected": serializers.IntegerField(),
                    "results": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
        description=(
            'Send one event object, or a batch `{"events": [...]}` of up to 1,000. Valid items are stored, '
            "invalid ones reported by index with the reason; a retried `idempotency_key` is stored once "
            "(`duplicate`). Unknown contacts identified by email or external id are created. A single event "
            "that is rejected answers 400."
        ),
        examples=[
            OpenApiExample(
                "A batch",
                value={
                    "events": [
                        {
                            "name": "form_submitted",
                            "email": "kim@example.com",
                            "properties": {"budget": 3000},
                            "idempotency_key": "form-8812",
                        },
                        {
                            "name": "order_completed",
                            "external_id": "u-42",
                            "properties": {"revenue": 49.9},
                            "occurred_at": "2026-11-23T14:05:00Z",
                            "idempotency_key": "order-1001",
                        },
                    ]
                },
                request_only=True,
            ),
            OpenApiExample(
                "Results",
                value={
                    "stored": 1,
                    "duplicates": 0,
                    "rejected": 1,
                    "results": [
                        {"index": 0, "status": "created", "event_id": 3141, "contact_id": 12},
                        {
                            "index": 1,
                            "status": "rejected",
                            "errors": {"properties.revenue": ["Expected the order revenue as a number, e.g. 49.90."]},
                        },
                    ],
                },
                response_only=True,
                status_codes=["202"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = request.data
        single = isinstance(data, dict) and "events" not in data
        if single:
            items = [data]
        elif isinstance(data, dict) and isinstance(data.get("events"), list) and set(data) == {"events"}:
            items = data["events"]
        else:
            raise exceptions.ValidationError({"events": [_('Send one event object, or {"events": [...]}.')]})
        if not items:
            raise exceptions.ValidationError({"events": [_("The batch is empty.")]})
        if len(items) > MAX_BATCH:
            raise exceptions.ValidationError({"events": [_("At most %(n)s events per request.") % {"n": MAX_BATCH}]})
        results = events_record(items=items, source="api", now=timezone.now())
        if single and results[0].status == "rejected":
            raise exceptions.ValidationError(results[0].errors)
        counts = {"created": 0, "duplicate": 0, "rejected": 0}
        for result in results:
            counts[result.status] += 1
        return Response(
            {
                "stored": counts["created"],
                "duplicates": counts["duplicate"],
                "rejected": counts["rejected"],
                "results": [r.as_dict() for r in results],
            },
            status=status.HTTP_202_ACCEPTED,
        )


# --- segments ----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Segment")
class SegmentOutput(serializers.ModelSerializer[Segment]):
    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "kind",
            "rules",
            "is_active",
            "uses_time",
            "member_count",
            "evaluated_at",
            "created_at",
            "updated_at",
        ]


SegmentInput = inline_serializer(
    "SegmentInput",
    fields={
        "name": serializers.CharField(),
        "description": serializers.CharField(required=False, allow_blank=True),
        "kind": serializers.ChoiceField(choices=Segment.Kind.choices, required=False),
        "rules": serializers.JSONField(required=False, help_text="The rule language of docs/segments.md."),
        "is_active": serializers.BooleanField(required=False),
    },
)
SEGMENT_FIELDS = {"name", "description", "kind", "rules", "is_active"}
AT_RISK_EXAMPLE = {
    "name": "At risk customers",
    "rules": {
        "all": [
            {"type": "event", "name": "order_completed"},
            {"not": {"type": "event", "name": "order_completed", "within_days": 60}},
        ]
    },
}


class SegmentListApi(APIView):
    @extend_schema(tags=["segments"], operation_id="segments_list", responses=SegmentOutput(many=True))
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(Segment.objects.order_by("name"), request, view=self)
        return paginator.get_paginated_response(SegmentOutput(page, many=True).data)

    @extend_schema(
        tags=["segments"],
        operation_id="segments_create",
        request=SegmentInput,
        responses={201: SegmentOutput},
        examples=[OpenApiExample("At risk customers", value=AT_RISK_EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = json_object(request, SEGMENT_FIELDS)
        segment = segment_services.segment_save(
            name=data.get("name", ""),
            description=data.get("description", ""),
            kind=data.get("kind", Segment.Kind.DYNAMIC),
            rule=data.get("rules"),
            is_active=bool(data.get("is_active", True)),
        )
        return Response(SegmentOutput(segment).data, status=status.HTTP_201_CREATED)


class SegmentDetailApi(APIView):
    @extend_schema(tags=["segments"], operation_id="segments_retrieve", responses=SegmentOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(SegmentOutput(get_object_or_404(Segment, pk=pk)).data)

    @extend_schema(
        tags=["segments"], operation_id="segments_partial_update", request=SegmentInput, responses=SegmentOutput
    )
    def patch(self, request: Request, pk: int) -> Response:
        segment = get_object_or_404(Segment, pk=pk)
        data = json_object(request, SEGMENT_FIELDS)
        segment = segment_services.segment_save(
            segment=segment,
            name=data.get("name", segment.name),
            description=data.get("description", segment.description),
            kind=data.get("kind", segment.kind),
            rule=data.get("rules", segment.rules),
            is_active=bool(data.get("is_active", segment.is_active)),
        )
        return Response(SegmentOutput(segment).data)

    @extend_schema(tags=["segments"], operation_id="segments_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        segment = get_object_or_404(Segment, pk=pk)
        users = [s.name for s in Segment.objects.exclude(pk=pk) if pk in _referenced(s.rules)]
        if users:
            raise exceptions.ValidationError(
                {"": [_("Other segments use this one: %(names)s. Change them first.") % {"names": ", ".join(users)}]}
            )
        segment.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _referenced(rule: Any) -> set[int]:
    from contacts.rules import referenced_segments

    return referenced_segments(rule) if rule else set()


class SegmentPreviewApi(APIView):
    """Count and sample for an unsaved rule: the live preview of the segment builder."""

    write_role = Role.VIEWER  # a POST that only reads

    @extend_schema(
        tags=["segments"],
        operation_id="segments_preview",
        request=inline_serializer("SegmentPreviewInput", fields={"rules": serializers.JSONField()}),
        responses=inline_serializer(
            "SegmentPreview", fields={"count": serializers.IntegerField(), "sample": ContactOutput(many=True)}
        ),
        examples=[OpenApiExample("Preview", value={"rules": AT_RISK_EXAMPLE["rules"]}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = json_object(request, {"rules"})
        segment_services.rule_validate(data.get("rules"))
        preview = selectors.segment_preview(rule=data["rules"])
        return Response({"count": preview["count"], "sample": ContactOutput(preview["sample"], many=True).data})


class SegmentMembersApi(APIView):
    @extend_schema(tags=["segments"], operation_id="segments_members_list", responses=ContactOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        segment = get_object_or_404(Segment, pk=pk)
        contacts = selectors.contacts_search(params={"segment": str(segment.pk), "ordering": "-created_at"})
        paginator = Pagination()
        page = paginator.paginate_queryset(contacts, request, view=self)
        return paginator.get_paginated_response(ContactOutput(page, many=True).data)

    @extend_schema(
        tags=["segments"],
        operation_id="segments_members_change",
        request=inline_serializer(
            "StaticMembersInput",
            fields={
                "add": serializers.ListField(child=serializers.IntegerField(), required=False),
                "remove": serializers.ListField(child=serializers.IntegerField(), required=False),
            },
        ),
        responses=SegmentOutput,
        description="Add or remove contacts (ids) of a static segment.",
    )
    def post(self, request: Request, pk: int) -> Response:
        segment = get_object_or_404(Segment, pk=pk)
        data = json_object(request, {"add", "remove"})
        lists = id_lists(data)
        segment_services.static_segment_change(segment=segment, add=lists["add"], remove=lists["remove"])
        segment.refresh_from_db()
        return Response(SegmentOutput(segment).data)


# --- stages -------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="LifecycleStage")
class StageSerializer(serializers.ModelSerializer[LifecycleStage]):
    class Meta:
        model = LifecycleStage
        fields = ["id", "key", "name", "description", "kind", "position", "is_active"]


class StageListApi(APIView):
    @extend_schema(tags=["stages"], operation_id="stages_list", responses=StageSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(StageSerializer(LifecycleStage.objects.all(), many=True).data)

    @extend_schema(
        tags=["stages"], operation_id="stages_create", request=StageSerializer, responses={201: StageSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = StageSerializer(data=json_object(request))
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class StageDetailApi(APIView):
    @extend_schema(
        tags=["stages"], operation_id="stages_partial_update", request=StageSerializer, responses=StageSerializer
    )
    def patch(self, request: Request, pk: int) -> Response:
        serializer = StageSerializer(get_object_or_404(LifecycleStage, pk=pk), data=json_object(request), partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)

    @extend_schema(tags=["stages"], operation_id="stages_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        stage = get_object_or_404(LifecycleStage, pk=pk)
        if stage.contacts.exists():
            raise exceptions.ValidationError(
                {
                    "": [
                        _("%(n)s contacts are in this stage. Move them or deactivate the stage instead.")
                        % {"n": stage.contacts.count()}
                    ]
                }
            )
        stage.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- audiences ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Audience")
class AudienceOutput(serializers.ModelSerializer[Audience]):
    credentials_set = serializers.SerializerMethodField(help_text="Names of stored credentials (never their values).")
    members = serializers.SerializerMethodField()

    class Meta:
        model = Audience
        fields = [
            "id",
            "name",
            "provider",
            "config",
            "credentials_set",
            "is_active",
            "last_synced_at",
            "last_error",
            "members",
            "created_at",
        ]

    def get_credentials_set(self, audience: Audience) -> list[str]:
        return sorted(key for key, value in audience.secrets.items() if value)

    def get_members(self, audience: Audience) -> dict[str, int]:
        from django.db.models import Count

        counts = dict(audience.members.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        return {state: counts.get(state, 0) for state in AudienceMember.State.values}


AudienceInput = inline_serializer(
    "AudienceInput",
    fields={
        "name": serializers.CharField(),
        "provider": serializers.ChoiceField(choices=Audience.Provider.choices),
        "config": serializers.DictField(required=False),
        "credentials": serializers.DictField(
            required=False, help_text="Write-only; omitted keys keep their stored value."
        ),
        "is_active": serializers.BooleanField(required=False),
    },
)
AUDIENCE_FIELDS = {"name", "provider", "config", "credentials", "is_active"}


def _audience_from(data: dict[str, Any], audience: Audience | None = None) -> Audience:
    provider = data.get("provider", audience.provider if audience else "")
    config = data.get("config", audience.config if audience else {})
    credentials = data.get("credentials", {})
    if not isinstance(config, dict) or not isinstance(credentials, dict):
        raise exceptions.ValidationError({"config": [_("Expected an object.")]})
    secret_names = (
        {f.name for f in provider_class(provider).fields if f.secret} if provider in Audience.Provider.values else set()
    )
    return audience_services.audience_save(
        audience=audience,
        name=data.get("name", audience.name if audience else ""),
        provider=provider,
        config={k: v for k, v in config.items() if k not in secret_names},
        secrets={**credentials, **{k: v for k, v in config.items() if k in secret_names}},
        is_active=bool(data.get("is_active", audience.is_active if audience else True)),
    )


class AudienceListApi(APIView):
    @extend_schema(tags=["audiences"], operation_id="audiences_list", responses=AudienceOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(AudienceOutput(Audience.objects.order_by("name"), many=True).data)

    @extend_schema(
        tags=["audiences"],
        operation_id="audiences_create",
        request=AudienceInput,
        responses={201: AudienceOutput},
        examples=[
            OpenApiExample(
                "Meta custom audience",
                value={
                    "name": "Win-back retargeting",
                    "provider": "meta",
                    "config": {"audience_id": "23851234567890"},
                    "credentials": {"access_token": "EAAB…"},
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        with transaction.atomic():
            audience = _audience_from(json_object(request, AUDIENCE_FIELDS))
        return Response(AudienceOutput(audience).data, status=status.HTTP_201_CREATED)


class AudienceDetailApi(APIView):
    @extend_schema(tags=["audiences"], operation_id="audiences_retrieve", responses=AudienceOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AudienceOutput(get_object_or_404(Audience, pk=pk)).data)

    @extend_schema(
        tags=["audiences"], operation_id="audiences_partial_update", request=AudienceInput, responses=AudienceOutput
    )
    def patch(self, request: Request, pk: int) -> Response:
        audience = _audience_from(json_object(request, AUDIENCE_FIELDS), get_object_or_404(Audience, pk=pk))
        return Response(AudienceOutput(audience).data)

    @extend_schema(tags=["audiences"], operation_id="audiences_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        get_object_or_404(Audience, pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class AudienceMembersApi(APIView):
    @extend_schema(
        tags=["audiences"],
        operation_id="audiences_members_list",
        parameters=[OpenApiParameter("state", str, enum=AudienceMember.State.values)],
        responses=inline_serializer(
            "AudienceMember",
            fields={
                "contact_id": serializers.IntegerField(allow_null=True),
                "email": serializers.CharField(allow_null=True),
                "state": serializers.CharField(),
                "attempts": serializers.IntegerField(),
                "last_error": serializers.CharField(),
                "synced_at": serializers.DateTimeField(allow_null=True),
            },
            many=True,
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        audience = get_object_or_404(Audience, pk=pk)
        members = audience.members.select_related("contact").order_by("id")
        if state := request.query_params.get("state"):
            members = members.filter(state=state)
        paginator = Pagination()
        page = paginator.paginate_queryset(members, request, view=self)
        return paginator.get_paginated_response(
            [
                {
                    "contact_id": m.contact_id,
                    "email": m.contact.email if m.contact else None,
                    "state": m.state,
                    "attempts": m.attempts,
                    "last_error": m.last_error,
                    "synced_at": m.synced_at,
                }
                for m in page or []
            ]
        )

    @extend_schema(
        tags=["audiences"],
        operation_id="audiences_members_change",
        request=inline_serializer(
            "AudienceMembersInput",
            fields={
                "add": serializers.ListField(child=serializers.IntegerField(), required=False),
                "remove": serializers.ListField(child=serializers.IntegerField(), required=False),
            },
        ),
        responses=AudienceOutput,
    )
    def post(self, request: Request, pk: int) -> Response:
        audience = get_object_or_404(Audience, pk=pk)
        data = json_object(request, {"add", "remove"})
        lists = id_lists(data)
        with transaction.atomic():
            audience_services.audience_members_add(audience=audience, contact_ids=lists["add"])
            audience_services.audience_members_remove(audience=audience, contact_ids=lists["remove"])
        return Response(AudienceOutput(audience).data)


class _Echo:
    def write(self, value: str) -> str:
        return value


def audience_export_rows(audience: Audience) -> Any:
    writer = csv.writer(_Echo())
    yield writer.writerow(["email", "external_id", "first_name", "last_name", "state", "synced_at"])
    members = audience.members.filter(contact__isnull=False).select_related("contact").order_by("id")
    for member in members.iterator(chunk_size=2000):
        contact = member.contact
        if contact is None:  # filtered out above; erased contacts are not exported
            continue
        yield writer.writerow(
            [
                contact.email or "",
                contact.external_id or "",
                contact.first_name,
                contact.last_name,
                member.state,
                member.synced_at.isoformat() if member.synced_at else "",
            ]
        )


class AudienceExportApi(APIView):
    @extend_schema(tags=["audiences"], operation_id="audiences_export", responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        audience = get_object_or_404(Audience, pk=pk)
        response = StreamingHttpResponse(audience_export_rows(audience), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audience-{audience.pk}.csv"'
        return response
