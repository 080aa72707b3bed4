from __future__ import annotations

from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.contact_list, name="list"),
    path("segments/", views.segment_list, name="segments"),
    path("audiences/", views.audience_list, name="audiences"),
]
