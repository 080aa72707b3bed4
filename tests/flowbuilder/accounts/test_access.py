"""Every page and API endpoint needs a logged-in user with a role; roles limit what they may do."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from flowbuilder.accounts.access import role_required
from flowbuilder.accounts.roles import Role

# Reachable without logging in, on purpose, with what an anonymous GET gets: the login page and
# what it needs (translations for its script, switching language), and the load balancer's probe.
# Links in emails (open pixel, click, unsubscribe) are public but answer 404 to a token that is
# not signed by us; the bounce webhook is authenticated by its shared secret, and only takes POST.
PUBLIC = {
    "/login/": 200,
    "/healthz": 200,
    "/favicon.ico": 301,
    "/jsi18n/en/": 200,
    "/language/": 405,
    "/t/o/1.gif": 404,
    "/t/c/1": 404,
    "/u/1/": 404,
    "/api/v1/email/events/": 405,
}
# API documentation pages are HTML for people: they redirect to the login page like any page.
API_PAGES = {"/api/v1/docs/", "/api/v1/redoc/"}


def all_paths(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL of the project with each parameter filled in (1, or "en" for a language)."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        pattern = re.sub(r"<(?:\w+:)?language>", "en", pattern)
        pattern = re.sub(r"<(?:\w+:)?\w+>", "1", pattern)
        pattern = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern).replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from all_paths(entry, pattern)
        elif isinstance(entry, URLPattern) and not re.search(r"[\[\]()*+?|]", pattern):
            yield "/" + pattern


def test_it_found_the_urls_to_check():
    paths = set(all_paths())
    assert {"/journeys/", "/settings/", "/api/v1/me/", "/api/v1/schema/", "/outbox/", "/admin/"} <= paths


@pytest.mark.parametrize("path", sorted(set(all_paths()) - set(PUBLIC)))
def test_anonymous_requests_are_refused(client, path, db):
    response = client.get(path, {"format": "json"} if path == "/api/v1/schema/" else {})
    if path.startswith("/api/") and path not in API_PAGES:
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "not_authenticated"
    else:
        assert response.status_code == 302, path
        assert "login/?next=" in response.headers["Location"]


@pytest.mark.parametrize(("path", "status"), sorted(PUBLIC.items()))
def test_public_urls_answer_anonymous_requests(client, path, status, db):
    assert client.get(path).status_code == status


@pytest.mark.parametrize(
    "path",
    ["/journeys/", "/contacts/", "/segments/", "/audiences/", "/templates/", "/analytics/", "/settings/", "/outbox/"],
)
def test_a_user_without_a_role_is_told_to_ask_an_admin(client, make_user, path):
    client.force_login(make_user(None))
    response = client.get(path)
    assert response.status_code == 403
    assert "no role yet" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/journeys/", "/contacts/", "/segments/", "/audiences/", "/templates/", "/analytics/", "/settings/", "/outbox/"],
)
def test_viewers_can_open_every_section(client, viewer, path):
    client.force_login(viewer)
    assert client.get(path).status_code == 200


def test_a_user_without_a_role_gets_a_clear_api_error(api_client, make_user):
    api_client.force_authenticate(make_user(None))
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 403
    assert "no role yet" in response.json()["error"]["message"]


def test_django_admin_logs_in_through_the_app_login_page(client, db):
    response = client.get("/admin/login/?next=/admin/accounts/apikey/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/?next=/admin/accounts/apikey/"
    assert client.get("/admin/login/?next=https://evil.example/").headers["Location"] == "/login/?next=/admin/"


def test_only_admins_reach_django_admin(client, admin, marketer):
    client.force_login(marketer)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "Admin role" in response.content.decode()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/apikey/").status_code == 200


class WriteProbeApi(APIView):
    """A probe with the project's default permission: reads for viewers, writes for marketers."""

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True}, status=201)


class AdminOnlyWriteApi(WriteProbeApi):
    write_role = Role.ADMIN


@pytest.mark.parametrize(
    ("role", "view", "method", "status"),
    [
        (Role.VIEWER, WriteProbeApi, "get", 200),
        (Role.VIEWER, WriteProbeApi, "post", 403),
        (Role.MARKETER, WriteProbeApi, "post", 201),
        (Role.MARKETER, AdminOnlyWriteApi, "post", 403),
        (Role.ADMIN, AdminOnlyWriteApi, "post", 201),
    ],
)
def test_the_default_api_permission_lets_viewers_read_and_marketers_write(make_user, role, view, method, status):
    request = getattr(APIRequestFactory(), method)("/probe/")
    force_authenticate(request, user=make_user(role))
    response = view.as_view()(request)
    assert response.status_code == status
    if status == 403:
        assert "role" in response.data["error"]["message"]


@role_required()
def probe_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@pytest.mark.parametrize(
    ("role", "method", "allowed"),
    [(Role.VIEWER, "get", True), (Role.VIEWER, "post", False), (Role.MARKETER, "post", True)],
)
def test_pages_let_viewers_read_and_marketers_change(make_user, role, method, allowed):
    from django.core.exceptions import PermissionDenied

    request = getattr(RequestFactory(), method)("/probe/")
    request.user = make_user(role)
    if allowed:
        assert probe_page(request).status_code == 200
    else:
        with pytest.raises(PermissionDenied, match="needs the Marketer role"):
            probe_page(request)
