"""The API's shared behaviour: one error shape everywhere, pagination, the OpenAPI schema and docs."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from flowbuilder.accounts.roles import Role
from flowbuilder.core.api import Pagination, flatten_errors


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    config = serializers.DictField()


class GraphSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    nodes = NodeSerializer(many=True)

    def validate(self, attrs):
        if attrs["name"] == "bad":
            raise serializers.ValidationError("The graph as a whole is wrong.")
        return attrs


class ProbeApi(APIView):
    def post(self, request):
        serializer = GraphSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class OncePerMinute(UserRateThrottle):
    rate = "1/min"
    cache_format = "probe-throttle-%(scope)s-%(ident)s"


class ThrottledApi(APIView):
    throttle_classes = [OncePerMinute]

    def get(self, request):
        return Response({"ok": True})


class ListApi(APIView):
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(list(range(120)), request, view=self)
        return paginator.get_paginated_response(page)


def call(view, method, user, path="/probe/", data=None, **extra):
    request = getattr(APIRequestFactory(), method)(path, data, format="json", **extra)
    force_authenticate(request, user=user)
    return view.as_view()(request)


def test_validation_errors_name_each_field_by_its_dotted_path(marketer):
    response = call(
        ProbeApi, "post", marketer, data={"name": "toolong", "nodes": [{"id": "a", "config": {}}, {"config": 3}]}
    )
    assert response.status_code == 400
    assert response.data == {
        "error": {
            "code": "invalid",
            "message": "Some fields are not valid; see “fields”.",
            "fields": {
                "name": ["Ensure this field has no more than 5 characters."],
                "nodes.1.id": ["This field is required."],
                "nodes.1.config": ['Expected a dictionary of items but got type "int".'],
            },
        }
    }


def test_an_error_about_the_whole_object_becomes_the_message(marketer):
    response = call(ProbeApi, "post", marketer, data={"name": "bad", "nodes": []})
    assert response.data["error"] == {"code": "invalid", "message": "The graph as a whole is wrong.", "fields": {}}


def test_malformed_json_is_a_parse_error_in_the_same_shape(marketer):
    request = APIRequestFactory().post("/probe/", "{not json", content_type="application/json")
    force_authenticate(request, user=marketer)
    response = ProbeApi.as_view()(request)
    assert response.status_code == 400
    assert response.data["error"]["code"] == "parse_error"
    assert response.data["error"]["message"].startswith("JSON parse error")


def test_throttled_requests_get_429_in_the_same_shape(make_user):
    user = make_user(Role.VIEWER)
    assert call(ThrottledApi, "get", user).status_code == 200
    response = call(ThrottledApi, "get", user)
    assert response.status_code == 429
    assert response.data["error"]["code"] == "throttled"
    assert "Retry-After" in response.headers


def test_lists_are_paginated_with_a_page_size_cap(viewer):
    response = call(ListApi, "get", viewer, path="/probe/?page=2&page_size=50")
    assert response.data["count"] == 120
    assert response.data["results"] == list(range(50, 100))
    assert "page=3" in response.data["next"]
    capped = call(ListApi, "get", viewer, path="/probe/?page_size=100000")
    assert len(capped.data["results"]) == 120  # capped at 500, and there are only 120


@pytest.mark.parametrize(
    ("detail", "flat"),
    [
        ({"a": ["x"], "non_field_errors": ["y"]}, {"a": ["x"], "": ["y"]}),
        ({"nodes": [{}, {"config": {"url": ["bad"]}}]}, {"nodes.1.config.url": ["bad"]}),
        (["only"], {"": ["only"]}),
        ({"edges": {"0": {"target": ["missing"]}}}, {"edges.0.target": ["missing"]}),
    ],
)
def test_flatten_errors(detail, flat):
    assert flatten_errors(detail) == flat


def test_an_unknown_api_address_answers_json_404(client, marketer):
    client.force_login(marketer)
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_schema_validates_and_documents_the_api_key_and_errors(api_client, viewer):
    api_client.force_authenticate(viewer)
    response = api_client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert "Error" in schema["components"]["schemas"]
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert me["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_interactive_docs_load_their_assets_from_this_server(client, viewer):
    client.force_login(viewer)
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_json_nested_too_deep_is_bad_input_not_a_crash(api_client, marketer):
    api_client.force_authenticate(marketer)
    body = "[" * 100_000 + "]" * 100_000
    response = api_client.post("/api/v1/templates/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["error"]["message"]
