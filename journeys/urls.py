from __future__ import annotations

from django.urls import path

from journeys import views

app_name = "journeys"

urlpatterns = [
    path("journeys/", views.journey_list, name="list"),
    path("templates/", views.template_list, name="templates"),
    path("analytics/", views.analytics, name="analytics"),
]
