"""REST API of journeys: node types, journeys with their draft graph, publishing, versions, export."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowbuilder.accounts.roles import Role
from flowbuilder.core.api import Pagination, error_body, json_object
from journeys import gallery, selectors, services
from journeys.health import journeys_health
from journeys.journey_settings import JourneySettingsSerializer
from journeys.live import live_counts_message
from journeys.models import Journey, JourneyVersion
from journeys.nodes import node_types
from journeys.nodes.base import Category, NodeType, describe

TAG = "journeys"
EXAMPLE_GRAPH = {
    "nodes": [
        {
            "id": "trigger-1",
            "type": "trigger",
            "config": {"kind": "event", "event": "signed_up"},
            "position": {"x": 0, "y": 0},
        },
        {"id": "email-1", "type": "send_email", "config": {"template": 1}, "position": {"x": 0, "y": 120}},
        {
            "id": "wait-1",
            "type": "wait",
            "config": {"mode": "duration", "amount": 2, "unit": "days"},
            "position": {"x": 0, "y": 240},
        },
        {
            "id": "opened",
            "type": "condition",
            "config": {"rule": {"type": "event", "name": "email_opened", "within_days": 2}},
            "position": {"x": 0, "y": 360},
        },
    ],
    "edges": [
        {"id": "e1", "source": "trigger-1", "sourceHandle": None, "target": "email-1"},
        {"id": "e2", "source": "email-1", "sourceHandle": None, "target": "wait-1"},
        {"id": "e3", "source": "wait-1", "sourceHandle": None, "target": "opened"},
    ],
}


class NodeTypesApi(APIView):
    """The palette: every node type with its outputs and the form of its settings."""

    @extend_schema(
        tags=[TAG],
        operation_id="node_types_list",
        responses=inline_serializer(
            "NodeType",
            many=True,
            fields={
                "type": serializers.CharField(),
                "label": serializers.CharField(),
                "description": serializers.CharField(),
                "category": serializers.CharField(),
                "category_label": serializers.CharField(),
                "icon": serializers.CharField(),
                "is_trigger": serializers.BooleanField(),
                "outputs": serializers.ListField(
                    child=serializers.DictField(), help_text="Fixed outputs; split and wait derive theirs from config."
                ),
                "dynamic_outputs": serializers.BooleanField(),
                "config_schema": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        data = []
        for cls in node_types():
            data.append(
                {
                    "type": cls.kind,
                    "label": str(cls.label),
                    "description": str(cls.description),
                    "category": cls.category,
                    "category_label": str(Category.LABELS[cls.category]),
                    "icon": cls.icon,
                    "is_trigger": cls.is_trigger,
                    "outputs": [{"key": o.key, "label": str(o.label)} for o in cls.outputs],
                    "dynamic_outputs": any("outputs_for" in vars(base) for base in cls.__mro__ if base is not NodeType),
                    "config_schema": describe(cls.Config()),
                }
            )
        return Response(data)


class JourneySettingsSchemaApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="journey_settings_schema",
        responses={200: OpenApiTypes.ANY},
    )
    def get(self, request: Request) -> Response:
        return Response(describe(JourneySettingsSerializer()))


@extend_schema_serializer(component_name="JourneyHealth")
class JourneyHealthOutput(serializers.Serializer[Any]):
    stuck = serializers.IntegerField()
    retrying = serializers.IntegerField()
    failed = serializers.IntegerField()


@extend_schema_serializer(component_name="Journey")
class JourneyOutput(serializers.ModelSerializer[Journey]):
    live_version = serializers.IntegerField(source="live_version.number", allow_null=True, read_only=True)
    graph = serializers.JSONField(source="draft_graph")
    webhook_secret_set = serializers.SerializerMethodField(
        help_text="Whether webhook steps sign their requests (the secret itself is never shown)."
    )
    health = serializers.SerializerMethodField(
        help_text="Enrollments that need attention: stuck (due more than 15 minutes ago while the journey is "
        "active), retrying (a step failed and is tried again) and failed. See docs/executor.md."
    )

    def get_webhook_secret_set(self, journey: Journey) -> bool:
        return bool(journey.secrets.get(services.WEBHOOK_SECRET))

    @extend_schema_field(JourneyHealthOutput)
    def get_health(self, journey: Journey) -> dict[str, int]:
        return journeys_health(journey_ids=[journey.pk])[journey.pk]

    class Meta:
        model = Journey
        fields = [
            "id",
            "name",
            "description",
            "status",
            "live_version",
            "graph",
            "settings",
            "webhook_secret_set",
            "health",
            "draft_revision",
            "draft_saved_at",
            "created_at",
            "updated_at",
        ]


@extend_schema_serializer(component_name="JourneySummary")
class JourneySummary(serializers.ModelSerializer[Journey]):
    live_version = serializers.IntegerField(source="live_version.number", allow_null=True, read_only=True)

    class Meta:
        model = Journey
        fields = ["id", "name", "description", "status", "live_version", "updated_at"]


JourneyInput = inline_serializer(
    "JourneyInput",
    fields={
        "name": serializers.CharField(),
        "description": serializers.CharField(required=False, allow_blank=True),
        "graph": serializers.JSONField(required=False, help_text="The draft graph, see docs/graph-format.md."),
        "settings": serializers.JSONField(required=False),
    },
)
JOURNEY_FIELDS = {"name", "description", "graph", "settings"}
JourneyUpdateInput = inline_serializer(
    "JourneyUpdateInput",
    fields={
        "name": serializers.CharField(required=False),
        "description": serializers.CharField(required=False, allow_blank=True),
        "graph": serializers.JSONField(required=False, help_text="The draft graph, see docs/graph-format.md."),
        "settings": serializers.JSONField(required=False),
        "draft_revision": serializers.IntegerField(
            required=False,
            help_text="The `draft_revision` your copy of the draft is based on. If the draft was saved since "
            "(another tab, another person), nothing is saved and the answer is 409 `draft_changed` with the "
            "current revision. Leave it out to save regardless.",
        ),
    },
)


class JourneyListApi(APIView):
    @extend_schema(tags=[TAG], operation_id="journeys_list", responses=JourneySummary(many=True))
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(
            Journey.objects.select_related("live_version").order_by("-updated_at"), request, view=self
        )
        return paginator.get_paginated_response(JourneySummary(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="journeys_create",
        request=JourneyInput,
        responses={201: JourneyOutput},
        examples=[
            OpenApiExample(
                "Welcome series", value={"name": "Welcome series", "graph": EXAMPLE_GRAPH}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = json_object(request, JOURNEY_FIELDS)
        journey = services.journey_create(
            name=data.get("name", ""),
            description=data.get("description", ""),
            graph=data.get("graph"),
            settings=data.get("settings"),
            user=request.user,
        )
        return Response(JourneyOutput(journey).data, status=status.HTTP_201_CREATED)


class JourneyDetailApi(APIView):
    @extend_schema(tags=[TAG], operation_id="journeys_retrieve", responses=JourneyOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(JourneyOutput(get_object_or_404(Journey.objects.select_related("live_version"), pk=pk)).data)

    @extend_schema(
        tags=[TAG],
        operation_id="journeys_partial_update",
        request=JourneyUpdateInput,
        responses={
            200: JourneyOutput,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`draft_changed`: the draft was saved since `draft_revision`; `current` has the "
                "revision and time of that save. Nothing was saved.",
            ),
        },
        description="Saves the draft: any unfinished graph the canvas holds, as long as it can be read. Live contacts "
        "are not affected until you publish. Each save counts `draft_revision` up.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        data = json_object(request, JOURNEY_FIELDS | {"draft_revision"})
        revision = data.get("draft_revision")
        if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool) or revision < 1):
            raise exceptions.ValidationError({"draft_revision": [_("Expected the draft_revision you last saw.")]})
        try:
            services.journey_update(
                journey=journey,
                name=data.get("name"),
                description=data.get("description"),
                graph=data.get("graph"),
                settings=data.get("settings"),
                draft_revision=revision,
            )
        except services.DraftChanged as exc:
            saved_at = exc.journey.draft_saved_at or exc.journey.updated_at
            body = error_body(
                "draft_changed",
                _(
                    "This journey was changed elsewhere (in another tab or by someone else) after you opened it, "
                    "so your change was not saved."
                ),
            )
            body["error"]["current"] = {
                "draft_revision": exc.journey.draft_revision,
                "draft_saved_at": serializers.DateTimeField().to_representation(saved_at) if saved_at else None,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(JourneyOutput(Journey.objects.select_related("live_version").get(pk=pk)).data)

    @extend_schema(tags=[TAG], operation_id="journeys_destroy", responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        if journey.versions.exists():
            raise exceptions.ValidationError(
                {"": [_("A published journey is archived, not deleted, so its history stays.")]}
            )
        journey.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_serializer(component_name="JourneyLiveEmail")
class LiveEmailOutput(serializers.Serializer[Any]):
    sent = serializers.IntegerField()
    opened = serializers.IntegerField(help_text="Messages opened at least once.")
    clicked = serializers.IntegerField(help_text="Messages clicked at least once.")


@extend_schema_serializer(component_name="JourneyLiveNode")
class LiveNodeOutput(serializers.Serializer[Any]):
    waiting = serializers.IntegerField(help_text="At the step now.")
    stuck = serializers.IntegerField(help_text="Of them, overdue by 15 minutes while the journey is active.")
    retrying = serializers.IntegerField(help_text="Of them, trying the step again after it failed.")
    passed = serializers.IntegerField(help_text="Left it by an output (skipped ones included).")
    outputs = serializers.DictField(child=serializers.IntegerField(), help_text="Passed, by output.")
    skipped = serializers.DictField(child=serializers.IntegerField(), help_text="Skipped, by reason.")
    exited = serializers.IntegerField(help_text="Left the journey here.")
    failed = serializers.IntegerField(help_text="Failed here.")
    email = LiveEmailOutput(required=False, help_text="Send-email steps only.")


@extend_schema_serializer(component_name="JourneyLive")
class LiveOutput(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["counts"])
    journey = serializers.IntegerField()
    at = serializers.DateTimeField()
    nodes = serializers.DictField(child=LiveNodeOutput(), help_text="By step id.")


class JourneyLiveApi(APIView):
    """The live counts the canvas's WebSocket sends, for when it cannot keep one open."""

    @extend_schema(
        tags=[TAG],
        operation_id="journeys_live",
        responses=LiveOutput,
        description="Per step: contacts waiting there now (stuck, retrying), how many passed it (by output), were "
        "skipped (by reason), exited or failed there; send-email steps also emails sent, opened and clicked. The "
        "same message `ws/journeys/{id}/live/` sends (see docs/executor.md, Observability): poll it at most once "
        "a second.",
    )
    def get(self, request: Request, pk: int) -> Response:
        message = live_counts_message(journey_id=pk)
        if message is None:
            raise exceptions.NotFound(_("No such journey."))
        return Response(message)


@extend_schema_serializer(component_name="JourneyNodeContactPerson")
class NodeContactPersonOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="contact_id")
    email = serializers.CharField(source="contact_email", help_text="Empty for a contact with only an external id.")
    name = serializers.CharField(source="contact_name", help_text="First and last name; may be empty.")


class JourneyNodeContactsApi(APIView):
    """Who is at a step of the canvas: waiting there, passed it, or ended there."""

    @extend_schema_serializer(component_name="JourneyNodeContact")
    class Output(serializers.Serializer[Any]):
        enrollment = serializers.IntegerField()
        contact = NodeContactPersonOutput(source="*")
        version = serializers.IntegerField(help_text="The version the contact was in there.")
        state = serializers.ChoiceField(choices=selectors.NODE_CONTACT_STATES)
        at = serializers.DateTimeField(
            help_text="waiting: since when it is there; passed: when it left; exited, failed: when it ended."
        )
        due_at = serializers.DateTimeField(
            allow_null=True, help_text="waiting: when it moves on (null: it waits for a webhook's answer)."
        )
        output = serializers.CharField(help_text="passed: the output it left by; otherwise empty.")
        reason = serializers.CharField(
            help_text="passed: why the step was skipped (empty: it was done); exited, failed: why it ended; "
            "waiting: the error of a step being retried."
        )

    @extend_schema(
        tags=[TAG],
        operation_id="journeys_node_contacts",
        parameters=[
            OpenApiParameter(
                "state",
                str,
                enum=selectors.NODE_CONTACT_STATES,
                default="waiting",
                description="waiting (there now), passed (left by an output), exited or failed (ended there).",
            )
        ],
        responses={
            200: inline_serializer(
                "PaginatedJourneyNodeContacts",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": Output(many=True),
                },
            ),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="`state` is not one of those above."),
        },
        description="The contacts at one step of the journey (any version), newest first, a page at a time. A "
        "step nobody reached, or that the journey does not have, has none. See docs/api.md.",
    )
    def get(self, request: Request, pk: int, node_id: str) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        state = request.query_params.get("state", "waiting")
        if state not in selectors.NODE_CONTACT_STATES:
            raise exceptions.ValidationError(
                {"state": [_("Choose one of: %(states)s.") % {"states": ", ".join(selectors.NODE_CONTACT_STATES)}]}
            )
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.node_contacts(journey=journey, node_id=node_id, state=state), request, view=self
        )
        return paginator.get_paginated_response(self.Output(page, many=True).data)


ValidationOutput = inline_serializer(
    "JourneyValidation",
    fields={
        "valid": serializers.BooleanField(),
        "errors": serializers.ListField(
            child=serializers.DictField(), help_text="{node_id, edge_id, field, code, message}"
        ),
        "warnings": serializers.ListField(child=serializers.DictField()),
    },
)


class JourneyValidateApi(APIView):
    write_role = Role.VIEWER  # a POST that only reads

    @extend_schema(tags=[TAG], operation_id="journeys_validate", request=None, responses=ValidationOutput)
    def post(self, request: Request, pk: int) -> Response:
        return Response(services.journey_validate(journey=get_object_or_404(Journey, pk=pk)).as_dict())


PublishInput = inline_serializer(
    "PublishInput",
    fields={
        "change_note": serializers.CharField(required=False, allow_blank=True),
        "migrate": serializers.BooleanField(required=False, help_text="Move contacts waiting in the live version."),
        "node_map": serializers.DictField(
            child=serializers.CharField(),
            required=False,
            help_text="Old step id → new step id, for steps that were removed.",
        ),
        "dry_run": serializers.BooleanField(required=False, help_text="Only report what would happen."),
    },
)


class JourneyPublishApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="journeys_publish",
        request=PublishInput,
        responses={
            201: inline_serializer(
                "PublishResult", fields={"version": serializers.IntegerField(), "plan": serializers.DictField()}
            ),
            200: OpenApiTypes.OBJECT,
        },
        description="With dry_run: validation, the diff against the live version and how many waiting contacts would "
        "move or stay (200). Otherwise publishes a new immutable version (201), or answers 400 with every problem.",
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey.objects.select_related("live_version"), pk=pk)
        data = json_object(request, {"change_note", "migrate", "node_map", "dry_run"})
        node_map = data.get("node_map") or {}
        if not isinstance(node_map, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in node_map.items()
        ):
            raise exceptions.ValidationError({"node_map": [_("Expected an object of step ids.")]})
        if data.get("dry_run"):
            return Response(services.publish_plan(journey=journey, node_map=node_map).as_dict())
        version, plan = services.journey_publish(
            journey=journey,
            user=request.user,
            change_note=str(data.get("change_note") or ""),
            migrate=bool(data.get("migrate")),
            node_map=node_map,
        )
        return Response({"version": version.number, "plan": plan.as_dict()}, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="JourneyDryRunEvent")
class DryRunEventInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    properties = serializers.DictField(required=False, default=dict)


@extend_schema_serializer(component_name="JourneyDryRunStep")
class DryRunStepOutput(serializers.Serializer[Any]):
    node_id = serializers.CharField()
    kind = serializers.CharField(help_text="The step's type.")
    label = serializers.CharField()  # type: ignore[assignment]
    outcome = serializers.ChoiceField(choices=["passed", "skipped", "would_wait", "exit"])
    output = serializers.CharField(help_text="The output it leaves by (empty for an exit).")
    reason = serializers.CharField()
    at = serializers.CharField(help_text="When the contact would reach it (simulated), in their time zone.")
    due_at = serializers.CharField(allow_null=True, help_text="When the wait would be over; null: no wait.")
    assumed = serializers.BooleanField(help_text="The output depends on the future and was assumed.")
    email = serializers.DictField(allow_null=True)
    webhook = serializers.DictField(allow_null=True)
    notify = serializers.DictField(allow_null=True)
    changes = serializers.DictField(allow_null=True)


class JourneyDryRunApi(APIView):
    """Walk the draft (or a version) for one contact: the path, the waits and the emails, with
    nothing stored, sent or scheduled. Viewers may: it only reads."""

    write_role = Role.VIEWER  # a POST that only reads

    @extend_schema_serializer(component_name="JourneyDryRunInput")
    class Input(serializers.Serializer[Any]):
        contact = serializers.IntegerField(required=False, min_value=1, help_text="The contact's id.")
        email = serializers.CharField(required=False, max_length=254, help_text="Or the contact's address.")
        version = serializers.JSONField(required=False, help_text='"draft" (default) or a version number.')
        event = DryRunEventInput(required=False, help_text="The trigger event (default: made up from the trigger).")
        now = serializers.DateTimeField(required=False, help_text="When the contact enters (default: now).")
        assume = serializers.DictField(
            child=serializers.ChoiceField(choices=["event", "timeout", "next", "failed"]),
            required=False,
            help_text="Step id → output for waits for an event (event/timeout) and webhooks (next/failed).",
        )

        def validate_version(self, value: Any) -> int | None:
            if value in (None, "draft"):
                return None
            if isinstance(value, str) and value.isdecimal():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise serializers.ValidationError(_("Give a version number, or “draft”."))
            return value

    @extend_schema_serializer(component_name="JourneyDryRun")
    class Output(serializers.Serializer[Any]):
        journey_id = serializers.IntegerField()
        version = serializers.JSONField(help_text='"draft" or the version number.')
        contact = serializers.DictField()
        trigger = serializers.DictField(help_text="{node_id, kind, event: {name, properties} | null, synthetic}")
        started_at = serializers.CharField()
        ended_at = serializers.CharField(help_text="The simulated clock at the end.")
        ended = serializers.ChoiceField(choices=["exited", "completed", "max_steps", "invalid_graph"])
        exit_reason = serializers.CharField()
        path = DryRunStepOutput(many=True)
        assumed = serializers.DictField(child=serializers.CharField())
        warnings = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        tags=[TAG],
        operation_id="journeys_dry_run",
        request=Input,
        responses={200: Output, 400: OpenApiTypes.OBJECT},
        description="The path a contact would take through the draft (or `version`): waits shown, not waited; "
        "emails rendered, not sent. A draft that does not validate answers 400 with the validator's `errors`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        from journeys.dry_run import DraftInvalid, dry_run_contact, journey_dry_run

        journey = get_object_or_404(Journey, pk=pk)
        data = json_object(request, set(self.Input().fields))
        serializer = self.Input(data=data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        contact = dry_run_contact(contact_id=given.get("contact"), email=given.get("email"))
        try:
            result = journey_dry_run(
                journey=journey,
                contact=contact,
                version=given.get("version"),
                event=given.get("event"),
                now=given.get("now"),
                assume=given.get("assume"),
            )
        except DraftInvalid as exc:
            body = error_body(
                "invalid",
                _("The draft has problems; fix them before a dry run (see “errors”)."),
                exc.fields(),
            )
            body["error"].update(exc.check.as_dict())
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.Output(result).data)


class JourneyStatusApi(APIView):
    action = ""

    @extend_schema(tags=[TAG], request=None, responses=JourneyOutput)
    def post(self, request: Request, pk: int) -> Response:
        journey = services.journey_set_status(journey=get_object_or_404(Journey, pk=pk), action=self.action)
        return Response(JourneyOutput(journey).data)


class JourneyPauseApi(JourneyStatusApi):
    action = "pause"


class JourneyResumeApi(JourneyStatusApi):
    action = "resume"


class JourneyArchiveApi(JourneyStatusApi):
    action = "archive"


@extend_schema_serializer(component_name="JourneyVersion")
class VersionOutput(serializers.ModelSerializer[JourneyVersion]):
    published_by = serializers.CharField(source="published_by.get_username", allow_null=True, read_only=True)

    class Meta:
        model = JourneyVersion
        fields = ["number", "change_note", "published_by", "published_at", "graph", "settings"]


class JourneyVersionsApi(APIView):
    @extend_schema(tags=[TAG], operation_id="journeys_versions_list", responses=VersionOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        return Response(VersionOutput(journey.versions.select_related("published_by"), many=True).data)


class JourneyVersionApi(APIView):
    @extend_schema(tags=[TAG], operation_id="journeys_versions_retrieve", responses=VersionOutput)
    def get(self, request: Request, pk: int, number: int) -> Response:
        return Response(VersionOutput(get_object_or_404(JourneyVersion, journey_id=pk, number=number)).data)


class JourneyDiffApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="journeys_versions_diff",
        responses=OpenApiTypes.OBJECT,
        description="?from=1&to=2 compares two versions; to=draft compares with the draft.",
    )
    def get(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)

        def graph_of(value: str | None) -> dict[str, Any]:
            if value == "draft":
                return journey.draft_graph
            if not value or not value.isdecimal():
                raise exceptions.ValidationError({"from": [_("Give a version number, or “draft”.")]})
            return get_object_or_404(JourneyVersion, journey=journey, number=int(value)).graph

        return Response(
            services.versions_diff(
                graph_of(request.query_params.get("from")), graph_of(request.query_params.get("to", "draft"))
            )
        )


class JourneyDuplicateApi(APIView):
    @extend_schema(tags=[TAG], operation_id="journeys_duplicate", request=None, responses={201: JourneyOutput})
    def post(self, request: Request, pk: int) -> Response:
        copy = services.journey_duplicate(journey=get_object_or_404(Journey, pk=pk), user=request.user)
        return Response(JourneyOutput(copy).data, status=status.HTTP_201_CREATED)


class JourneyWebhookSecretApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="journeys_webhook_secret",
        request=inline_serializer("WebhookSecretInput", fields={"secret": serializers.CharField(allow_blank=True)}),
        responses={204: None},
        description="Sets (or, with an empty value, removes) the secret webhook steps sign requests with: "
        "X-Flowbuilder-Signature: sha256=HMAC(secret, timestamp.body). Write-only.",
    )
    def put(self, request: Request, pk: int) -> Response:
        data = json_object(request, {"secret"})
        if not isinstance(data.get("secret", ""), str):
            raise exceptions.ValidationError({"secret": [_("Expected a text.")]})
        services.journey_set_webhook_secret(journey=get_object_or_404(Journey, pk=pk), secret=data.get("secret", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class JourneyExportApi(APIView):
    @extend_schema(tags=[TAG], operation_id="journeys_export", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        return Response(services.journey_export(journey=get_object_or_404(Journey, pk=pk)))


class JourneyImportApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="journeys_import",
        request=OpenApiTypes.OBJECT,
        responses={201: JourneyOutput},
        description="Creates a draft from an export; segments, audiences and templates are found by name.",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"": [_("Expected a JSON object.")]})
        journey = services.journey_import(document=dict(request.data), user=request.user)
        return Response(JourneyOutput(journey).data, status=status.HTTP_201_CREATED)


class GalleryApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="gallery_list",
        responses=inline_serializer(
            "GalleryJourney",
            many=True,
            fields={
                "key": serializers.CharField(),
                "name": serializers.CharField(),
                "description": serializers.CharField(),
                "stages": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {"key": t.key, "name": t.name, "description": t.description, "stages": t.stages}
                for t in gallery.templates()
            ]
        )


class GalleryDetailApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="gallery_retrieve",
        description="A ready-made journey as a draft to start from, references turned into ids here. A "
        "template, segment or audience it names that does not exist here is left empty (to be picked) and "
        "listed in `unresolved`. Nothing is stored: the canvas applies it to the open draft.",
        responses=inline_serializer(
            "GalleryJourneyDetail",
            fields={
                "key": serializers.CharField(),
                "name": serializers.CharField(),
                "description": serializers.CharField(),
                "graph": serializers.JSONField(),
                "settings": serializers.JSONField(),
                "unresolved": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request, key: str) -> Response:
        template = gallery.template(key)
        if template is None:
            raise exceptions.NotFound(_("No such journey template."))
        graph, settings, unresolved = services.journey_document_resolve(document=template.document)
        return Response(
            {
                "key": template.key,
                "name": template.name,
                "description": template.description,
                "graph": graph,
                "settings": settings,
                "unresolved": unresolved,
            }
        )


class GalleryUseApi(APIView):
    @extend_schema(tags=[TAG], operation_id="gallery_use", request=None, responses={201: JourneyOutput})
    def post(self, request: Request, key: str) -> Response:
        template = gallery.template(key)
        if template is None:
            raise exceptions.NotFound(_("No such journey template."))
        journey = services.journey_import(document=template.document, user=request.user)
        return Response(JourneyOutput(journey).data, status=status.HTTP_201_CREATED)
