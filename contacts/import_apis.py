"""REST API of CSV contact imports: upload a file, map its columns, start it, follow its progress.

Thin views over ``contacts.services.imports``: the browser's import pages use the same calls.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts.models import ContactImport
from contacts.services import imports as import_services
from flowbuilder.core.api import Pagination

TAG = "imports"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("This cannot be done in the import's current state.")


@extend_schema_serializer(component_name="ContactImport")
class ImportOutput(serializers.ModelSerializer[ContactImport]):
    columns = serializers.ListField(child=serializers.CharField(), help_text="Column names from the first line.")
    mapping = serializers.DictField(
        child=serializers.CharField(),
        help_text="Column → target. While `status` is `mapping`: the suggestion from the column names; "
        "afterwards: the mapping the import uses.",
    )
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent of the rows processed.")
    rejected_count = serializers.SerializerMethodField(help_text="Rows not imported; see `rejected` for why.")
    created_by = serializers.SerializerMethodField(help_text="Username of who uploaded the file.")

    class Meta:
        model = ContactImport
        fields = [
            "id",
            "original_name",
            "status",
            "columns",
            "mapping",
            "total_rows",
            "processed_rows",
            "progress",
            "created_count",
            "updated_count",
            "unchanged_count",
            "rejected_count",
            "error",
            "created_by",
            "created_at",
            "finished_at",
        ]

    def get_rejected_count(self, contact_import: ContactImport) -> int:
        imported = contact_import.created_count + contact_import.updated_count + contact_import.unchanged_count
        return max(0, contact_import.processed_rows - imported)

    def get_created_by(self, contact_import: ContactImport) -> str | None:
        return contact_import.created_by.get_username() if contact_import.created_by else None


@extend_schema_serializer(component_name="ContactImportDetail")
class ImportDetailOutput(ImportOutput):
    rejected = serializers.ListField(
        child=inline_serializer(
            "ImportRejectedRow",
            fields={
                "row": serializers.IntegerField(help_text="Line in the file; line 1 holds the column names."),
                "column": serializers.CharField(allow_null=True, help_text="The column at fault, if one is."),
                "reason": serializers.CharField(),
            },
        ),
        help_text=f"The first {import_services.MAX_REJECTED_KEPT:,} rejected rows; `rejected_count` has them all.",
    )
    sample = serializers.SerializerMethodField(
        help_text=f"The first {import_services.SAMPLE_ROWS} rows, as in the file."
    )

    class Meta(ImportOutput.Meta):
        fields = [*ImportOutput.Meta.fields, "rejected", "sample"]

    @extend_schema_field(serializers.ListField(child=serializers.ListField(child=serializers.CharField())))
    def get_sample(self, contact_import: ContactImport) -> list[list[str]]:
        return import_services.import_sample(contact_import=contact_import)


ImportPage = inline_serializer(
    "ContactImportPage",
    fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": ImportOutput(many=True),
    },
)
UPLOADED_EXAMPLE = {
    "id": 7,
    "original_name": "webinar-signups.csv",
    "status": "mapping",
    "columns": ["E-Mail", "Vorname", "Plan", "Tags"],
    "mapping": {"E-Mail": "email", "Vorname": "first_name", "Plan": "attributes.plan", "Tags": "tags"},
    "total_rows": 1250,
    "processed_rows": 0,
    "progress": 0,
    "created_count": 0,
    "updated_count": 0,
    "unchanged_count": 0,
    "rejected_count": 0,
    "error": "",
    "created_by": "mia",
    "created_at": "2026-11-23T12:00:00Z",
    "finished_at": None,
    "rejected": [],
    "sample": [["kim@example.com", "Kim", "pro", "webinar, beta"], ["lee@example.com", "Lee", "free", ""]],
}


class ImportListApi(APIView):
    """List imports; upload a CSV file to start one."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[TAG],
        operation_id="imports_list",
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=ImportPage,
        description="Imports, newest first.",
    )
    def get(self, request: Request) -> Response:
        imports = ContactImport.objects.select_related("created_by").order_by("-created_at", "-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(imports, request, view=self)
        return paginator.get_paginated_response(ImportOutput(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="imports_create",
        request={
            "multipart/form-data": inline_serializer(
                "ImportUploadInput", fields={"file": serializers.FileField(help_text="A CSV file, UTF-8, ≤ 50 MB.")}
            )
        },
        responses={201: ImportDetailOutput},
        description=(
            "Upload a CSV file (UTF-8, with or without BOM; comma, semicolon or tab separated; column names on "
            f"the first line; at most {import_services.MAX_FILE_BYTES // 1024 // 1024} MB and "
            f"{import_services.MAX_ROWS:,} rows). Answers the columns, a suggested `mapping` and a `sample`; "
            "nothing is imported until the import is started with a mapping. A file that cannot be imported "
            "answers 400 with the problem under `fields.file`."
        ),
        examples=[OpenApiExample("Uploaded", value=UPLOADED_EXAMPLE, response_only=True, status_codes=["201"])],
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if not isinstance(upload, UploadedFile):
            raise exceptions.ValidationError({"file": [_("Send the CSV file in the form field “file”.")]})
        contact_import = import_services.import_create(upload=upload, user=request.user)
        return Response(ImportDetailOutput(contact_import).data, status=status.HTTP_201_CREATED)


class ImportDetailApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="imports_retrieve",
        responses=ImportDetailOutput,
        description="Status, progress and counts of an import, and why rows were rejected. Poll it while it runs.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportDetailOutput(get_object_or_404(ContactImport, pk=pk)).data)


class ImportStartApi(APIView):
    @extend_schema(
        tags=[TAG],
        operation_id="imports_start",
        request=inline_serializer(
            "ImportStartInput",
            fields={
                "mapping": serializers.DictField(
                    child=serializers.CharField(),
                    help_text="Every column → email, external_id, first_name, last_name, timezone, locale, "
                    "stage (a stage key or name), email_consent, tags (comma or semicolon separated), "
                    "attributes.<name> (numbers and true/false are typed) or ignore. Empty cells change nothing.",
                )
            },
        ),
        responses={
            202: ImportDetailOutput,
            409: OpenApiResponse(description="The import was already started."),
        },
        description=(
            "Check the mapping and queue the import; follow it on the import's detail. Needs a column mapped to "
            "email or external_id; each target but `ignore` may serve one column."
        ),
        examples=[
            OpenApiExample(
                "Mapping",
                value={
                    "mapping": {"E-Mail": "email", "Vorname": "first_name", "Plan": "attributes.plan", "Tags": "tags"}
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        contact_import = get_object_or_404(ContactImport, pk=pk)
        data: Any = request.data
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"": [_("Expected a JSON object.")]})
        if unknown := sorted(set(data) - {"mapping"}):
            raise exceptions.ValidationError({name: [_("Unknown field.")] for name in unknown})
        try:
            contact_import = import_services.import_start(contact_import=contact_import, mapping=data.get("mapping"))
        except ValidationError as exc:
            if getattr(exc, "code", None) == "not_mapping":
                raise Conflict(exc.messages[0]) from None
            raise
        return Response(ImportDetailOutput(contact_import).data, status=status.HTTP_202_ACCEPTED)
