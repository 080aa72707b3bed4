from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from flowbuilder.accounts.roles import role_of


class MeApi(APIView):
    """Who the request is authenticated as, and with which role."""

    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        email = serializers.EmailField(allow_blank=True)
        name = serializers.CharField(allow_blank=True)
        role = serializers.ChoiceField(choices=["viewer", "marketer", "admin"], allow_null=True)
        auth = serializers.ChoiceField(choices=["session", "api_key"], help_text="How this request authenticated.")

    @extend_schema(responses=OutputSerializer, operation_id="me_retrieve", tags=["account"])
    def get(self, request: Request) -> Response:
        user = request.user
        role = role_of(user)
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "email": getattr(user, "email", ""),
            "name": user.get_full_name() if hasattr(user, "get_full_name") else "",
            "role": role.value if role else None,
            "auth": "api_key" if request.auth is not None else "session",
        }
        return Response(self.OutputSerializer(data).data)
