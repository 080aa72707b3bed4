from __future__ import annotations

from django.urls import path

from journeys.emails import views

app_name = "email"

urlpatterns = [
    path("t/o/<str:token>.gif", views.email_open, name="open"),
    path("t/c/<str:token>", views.email_click, name="click"),
    path("u/<str:token>/", views.email_unsubscribe, name="unsubscribe"),
]
