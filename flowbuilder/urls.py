"""URLs: the app's pages, Django admin, the REST API under /api/v1/, and /healthz."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from flowbuilder.accounts.apis import MeApi
from flowbuilder.core import views as core_views

api_v1: list[URLPattern | URLResolver] = [
    path("me/", MeApi.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The documentation pages are for people: anonymous visitors go to the login page.
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", login_required(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    path("", include("contacts.api_urls")),
    path("", include("journeys.api_urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon),
    path("jsi18n/<str:language>/", core_views.javascript_catalog, name="javascript-catalog"),
    # One login page for the app and Django admin.
    path("admin/login/", core_views.admin_login_redirect),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("", include("contacts.ingest.urls")),
    path("", include("flowbuilder.accounts.urls")),
    path("", include("flowbuilder.core.urls")),
    path("", include("contacts.urls")),
    path("", include("journeys.urls")),
    path("", include("journeys.emails.urls")),
]

handler404 = "flowbuilder.core.api.page_not_found"
handler500 = "flowbuilder.core.api.server_error"

admin.site.site_header = _("Flowbuilder administration")
admin.site.site_title = _("Flowbuilder admin")
admin.site.index_title = _("Administration")
