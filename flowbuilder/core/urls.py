from __future__ import annotations

from django.urls import path

from flowbuilder.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
]
