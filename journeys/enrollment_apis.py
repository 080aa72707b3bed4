"""REST API of enrollments: enrolling contacts by hand, and the per-contact trace.

``POST /journeys/{id}/enroll/`` puts contacts (by id, or a segment's members) into an active
journey; ``GET /contacts/{id}/journeys/`` answers "why did (or didn't) this person get the
email?" with every journey the contact went through, step by step. See docs/api.md.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts.models import Contact, Segment
from flowbuilder.core.api import id_lists, json_object
from journeys import selectors, services
from journeys.models import Journey

REQUEST_KEY_MAX = 100  # a retry key, not a document (longer stored keys are hashed: entries.stored_key)

EnrollInput = inline_serializer(
    "EnrollInput",
    fields={
        "contact_ids": serializers.ListField(
            child=serializers.IntegerField(),
            required=False,
            max_length=services.ENROLL_LIMIT,
            help_text="Contact ids, at most 10,000. Give these or segment.",
        ),
        "segment": serializers.IntegerField(
            required=False, help_text="A segment id: enrolls its current members (at most 10,000)."
        ),
        "request_key": serializers.CharField(
            required=False,
            max_length=REQUEST_KEY_MAX,
            help_text="Idempotency key: a retried request with the same key enrolls nobody twice.",
        ),
    },
)
EnrollOutput = inline_serializer(
    "EnrollResult",
    fields={
        "enrolled": serializers.IntegerField(),
        "refused": serializers.IntegerField(help_text="Not enrolled because of the journey's entry rules."),
        "refused_reasons": serializers.DictField(
            child=serializers.IntegerField(),
            help_text="already_entered, still_in, too_soon, limit or duplicate → how many.",
        ),
        "unknown": serializers.IntegerField(),
        "unknown_contact_ids": serializers.ListField(child=serializers.IntegerField()),
    },
)


class JourneyEnrollApi(APIView):
    """Enroll contacts by hand: marketers and admins (the default write role)."""

    @extend_schema(
        tags=["journeys"],
        operation_id="journeys_enroll",
        request=EnrollInput,
        responses=EnrollOutput,
        description=(
            "Enrolls contacts in an active journey at its manual trigger (or its first trigger), obeying its "
            "entry rules; their first steps run within a second. Give `contact_ids` or `segment`, not both. "
            "Unknown ids are reported; a 400 when none of them exists, the journey is not active or more than "
            "10,000 contacts are asked for."
        ),
        examples=[
            OpenApiExample(
                "Enroll three contacts",
                value={"contact_ids": [12, 13, 99], "request_key": "crm-sync-2026-11-23"},
                request_only=True,
            ),
            OpenApiExample(
                "Result",
                value={
                    "enrolled": 1,
                    "refused": 1,
                    "refused_reasons": {"already_entered": 1},
                    "unknown": 1,
                    "unknown_contact_ids": [99],
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        journey = get_object_or_404(Journey, pk=pk)
        given = json_object(request, {"contact_ids", "segment", "request_key"})
        data = {k: v for k, v in given.items() if v is not None}  # null: not given
        if ("contact_ids" in data) == ("segment" in data):
            message = (
                _("Give contact_ids or segment, not both.")
                if "contact_ids" in data
                else _("Give contact_ids (a list of contact ids) or segment (a segment id).")
            )
            raise exceptions.ValidationError({"": [message]})
        contact_ids: list[int] | None = None
        segment: Segment | None = None
        if "contact_ids" in data:
            contact_ids = id_lists(data, keys=("contact_ids",))["contact_ids"]
            if not contact_ids:
                raise exceptions.ValidationError({"contact_ids": [_("Give at least one contact id.")]})
        else:
            segment_id = data["segment"]
            if not isinstance(segment_id, int) or isinstance(segment_id, bool):
                raise exceptions.ValidationError({"segment": [_("Expected a segment id.")]})
            segment = Segment.objects.filter(pk=segment_id).first()
            if segment is None:
                raise exceptions.ValidationError(
                    {"segment": [_("There is no segment with the id %(id)s.") % {"id": segment_id}]}
                )
        key = data.get("request_key")
        if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > REQUEST_KEY_MAX):
            raise exceptions.ValidationError(
                {"request_key": [_("Expected a text of 1 to %(n)s characters.") % {"n": REQUEST_KEY_MAX}]}
            )
        result = services.journey_contacts_enroll(
            journey=journey, contact_ids=contact_ids, segment=segment, key=key, now=timezone.now()
        )
        return Response(result.as_dict())


# --- the per-contact trace ----------------------------------------------------------------------


@extend_schema_serializer(component_name="TraceNode")
class NodeOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.CharField(help_text="The node type, e.g. send_email.")
    label = serializers.CharField(help_text="The step's name on the canvas, or its type's.")  # type: ignore[assignment]


@extend_schema_serializer(component_name="TraceStep")
class StepOutput(serializers.Serializer[Any]):
    seq = serializers.IntegerField(help_text="Step number within the enrollment, from 1.")
    node = NodeOutput()
    outcome = serializers.CharField(help_text="passed, skipped, exited, failed or converted.")
    outcome_label = serializers.CharField()
    output = serializers.CharField(help_text="The output it left by: next, yes, no, a branch key, timeout…")
    output_label = serializers.CharField(help_text="The output's name when the step had several; else empty.")
    reason = serializers.CharField(help_text="Why it was skipped, left or failed; empty when it passed.")
    detail = serializers.JSONField()
    at = serializers.DateTimeField()


@extend_schema_serializer(component_name="TraceEmail")
class EmailOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="The step that queued it.")
    node_id = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField(help_text="queued, sent, failed, bounced or skipped.")
    status_label = serializers.CharField()
    skip_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True, help_text="First opened.")
    clicked_at = serializers.DateTimeField(allow_null=True, help_text="First clicked.")


@extend_schema_serializer(component_name="TraceConversion")
class ConversionOutput(serializers.Serializer[Any]):
    converted_at = serializers.DateTimeField()
    event = serializers.CharField(help_text="The goal event's name.")
    email_node_id = serializers.CharField(help_text="The last email step sent before it, if any.")


@extend_schema_serializer(component_name="TraceJourney")
class JourneyRefOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="journey_id")
    name = serializers.CharField(source="journey_name")
    status = serializers.CharField(source="journey_status")


@extend_schema_serializer(component_name="EnrollmentTrace")
class EnrollmentTraceOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    journey = JourneyRefOutput(source="*")
    version = serializers.IntegerField(help_text="The version number it is pinned to.")
    state = serializers.CharField(help_text="active, completed, exited or failed.")
    state_label = serializers.CharField()
    current_node = NodeOutput(help_text="Where it is; for a finished enrollment, where it ended.")
    trigger = serializers.JSONField(help_text="What started it: kind, and the event or segment.")
    entered_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="When it next moves; null when waiting for news.")
    finished_at = serializers.DateTimeField(allow_null=True)
    exit_reason = serializers.CharField(help_text="end, goal, or why it left early or failed.")
    last_error = serializers.CharField()
    attempts = serializers.IntegerField(help_text="Failed attempts at the current step.")
    steps_total = serializers.IntegerField(help_text="Steps taken; only the latest 100 are listed.")
    steps = StepOutput(many=True)
    emails = EmailOutput(many=True)
    conversion = ConversionOutput(allow_null=True)


class ContactJourneysApi(APIView):
    """The per-contact trace (read-only, viewers too)."""

    @extend_schema(
        tags=["contacts"],
        operation_id="contacts_journeys_list",
        responses=inline_serializer(
            "ContactJourneys",
            fields={
                "results": EnrollmentTraceOutput(many=True),
                "more": serializers.BooleanField(help_text="The contact has older enrollments than these 50."),
            },
        ),
        description=(
            "Every journey the contact entered, newest first (the latest 50), with the version it runs, where it "
            "is, each step it took (the output it left by, or why it was skipped), the emails it queued with "
            "opens and clicks, and the goal if reached."
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        contact = get_object_or_404(Contact.objects.only("pk"), pk=pk)
        trace = selectors.contact_journeys(contact_id=contact.pk)
        return Response({"results": EnrollmentTraceOutput(trace.enrollments, many=True).data, "more": trace.more})
