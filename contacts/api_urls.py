from __future__ import annotations

from django.urls import path

from contacts import apis

urlpatterns = [
    path("contacts/", apis.ContactListApi.as_view(), name="contacts"),
    path("contacts/<int:pk>/", apis.ContactDetailApi.as_view(), name="contact"),
    path("contacts/<int:pk>/events/", apis.ContactEventsApi.as_view(), name="contact-events"),
    path("events/", apis.EventIngestApi.as_view(), name="events"),
    path("segments/", apis.SegmentListApi.as_view(), name="segments"),
    path("segments/preview/", apis.SegmentPreviewApi.as_view(), name="segment-preview"),
    path("segments/<int:pk>/", apis.SegmentDetailApi.as_view(), name="segment"),
    path("segments/<int:pk>/members/", apis.SegmentMembersApi.as_view(), name="segment-members"),
    path("stages/", apis.StageListApi.as_view(), name="stages"),
    path("stages/<int:pk>/", apis.StageDetailApi.as_view(), name="stage"),
    path("audiences/", apis.AudienceListApi.as_view(), name="audiences"),
    path("audiences/<int:pk>/", apis.AudienceDetailApi.as_view(), name="audience"),
    path("audiences/<int:pk>/members/", apis.AudienceMembersApi.as_view(), name="audience-members"),
    path("audiences/<int:pk>/export.csv", apis.AudienceExportApi.as_view(), name="audience-export"),
]

from contacts import import_apis  # noqa: E402

urlpatterns += [
    path("imports/", import_apis.ImportListApi.as_view(), name="imports"),
    path("imports/<int:pk>/", import_apis.ImportDetailApi.as_view(), name="import"),
    path("imports/<int:pk>/start/", import_apis.ImportStartApi.as_view(), name="import-start"),
]
