from __future__ import annotations

from django.urls import path

from journeys import views

app_name = "journeys"

urlpatterns = [
    path("journeys/", views.journey_list, name="list"),
    path("journeys/new/", views.journey_new, name="new"),
    path("journeys/<int:pk>/", views.journey_detail, name="detail"),
    path("journeys/gallery/<slug:key>/", views.journey_from_gallery, name="from_gallery"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("analytics/", views.analytics, name="analytics"),
]
