from __future__ import annotations

from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("contacts/", views.contact_list, name="list"),
    path("contacts/<int:pk>/", views.contact_detail, name="detail"),
    path("contacts/stages/", views.stage_list, name="stages"),
    path("contacts/import/", views.import_list, name="imports"),
    path("contacts/import/<int:pk>/", views.import_detail, name="import"),
    path("segments/", views.segment_list, name="segments"),
    path("segments/new/", views.segment_new, name="segment_new"),
    path("segments/<int:pk>/", views.segment_detail, name="segment"),
    path("audiences/", views.audience_list, name="audiences"),
    path("audiences/new/", views.audience_edit, name="audience_new"),
    path("audiences/<int:pk>/", views.audience_detail, name="audience"),
    path("audiences/<int:pk>/edit/", views.audience_edit, name="audience_edit"),
    path("audiences/<int:pk>/<str:action>/", views.audience_action, name="audience_action"),
]
