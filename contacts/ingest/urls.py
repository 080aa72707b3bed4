"""``/v1/…``: the Segment-compatible tracking API (the paths the SDKs call, with or without a slash)."""

from __future__ import annotations

from django.urls import re_path

from contacts.ingest import views

app_name = "ingest"

urlpatterns = [
    re_path(r"^v1/projects/(?P<write_key>[\w-]{1,200})/settings/?$", views.sdk_settings, name="sdk-settings"),
    re_path(
        r"^v1/(?P<kind>identify|track|page|screen|group|alias|batch|import|[tpisgab])/?$", views.ingest, name="ingest"
    ),
]
