from __future__ import annotations

from django.urls import path

from journeys import apis, enrollment_apis
from journeys.emails import apis as email_apis

urlpatterns = [
    path("node-types/", apis.NodeTypesApi.as_view(), name="node-types"),
    path("journey-settings-schema/", apis.JourneySettingsSchemaApi.as_view(), name="journey-settings-schema"),
    path("journeys/", apis.JourneyListApi.as_view(), name="journeys"),
    path("journeys/import/", apis.JourneyImportApi.as_view(), name="journey-import"),
    path("journeys/gallery/", apis.GalleryApi.as_view(), name="gallery"),
    path("journeys/gallery/<slug:key>/", apis.GalleryDetailApi.as_view(), name="gallery-detail"),
    path("journeys/gallery/<slug:key>/use/", apis.GalleryUseApi.as_view(), name="gallery-use"),
    path("journeys/<int:pk>/", apis.JourneyDetailApi.as_view(), name="journey"),
    path("journeys/<int:pk>/validate/", apis.JourneyValidateApi.as_view(), name="journey-validate"),
    path("journeys/<int:pk>/dry-run/", apis.JourneyDryRunApi.as_view(), name="journey-dry-run"),
    path("journeys/<int:pk>/live/", apis.JourneyLiveApi.as_view(), name="journey-live"),
    path(
        "journeys/<int:pk>/nodes/<str:node_id>/contacts/",
        apis.JourneyNodeContactsApi.as_view(),
        name="journey-node-contacts",
    ),
    path("journeys/<int:pk>/publish/", apis.JourneyPublishApi.as_view(), name="journey-publish"),
    path("journeys/<int:pk>/pause/", apis.JourneyPauseApi.as_view(), name="journey-pause"),
    path("journeys/<int:pk>/resume/", apis.JourneyResumeApi.as_view(), name="journey-resume"),
    path("journeys/<int:pk>/archive/", apis.JourneyArchiveApi.as_view(), name="journey-archive"),
    path("journeys/<int:pk>/duplicate/", apis.JourneyDuplicateApi.as_view(), name="journey-duplicate"),
    path("journeys/<int:pk>/export/", apis.JourneyExportApi.as_view(), name="journey-export"),
    path("journeys/<int:pk>/webhook-secret/", apis.JourneyWebhookSecretApi.as_view(), name="journey-webhook-secret"),
    path("journeys/<int:pk>/versions/", apis.JourneyVersionsApi.as_view(), name="journey-versions"),
    path("journeys/<int:pk>/versions/diff/", apis.JourneyDiffApi.as_view(), name="journey-diff"),
    path("journeys/<int:pk>/versions/<int:number>/", apis.JourneyVersionApi.as_view(), name="journey-version"),
    path("journeys/<int:pk>/email-report/", email_apis.JourneyEmailReportApi.as_view(), name="journey-email-report"),
    path("journeys/<int:pk>/enroll/", enrollment_apis.JourneyEnrollApi.as_view(), name="journey-enroll"),
    path("contacts/<int:pk>/journeys/", enrollment_apis.ContactJourneysApi.as_view(), name="contact-journeys"),
    path("templates/", email_apis.TemplateListApi.as_view(), name="templates"),
    path("templates/variables/", email_apis.TemplateVariablesApi.as_view(), name="template-variables"),
    path("templates/preview/", email_apis.TemplateUnsavedPreviewApi.as_view(), name="template-preview-unsaved"),
    path("templates/<int:pk>/", email_apis.TemplateDetailApi.as_view(), name="template"),
    path("templates/<int:pk>/preview/", email_apis.TemplatePreviewApi.as_view(), name="template-preview"),
    path("templates/<int:pk>/test-send/", email_apis.TemplateTestSendApi.as_view(), name="template-test-send"),
    path("templates/<int:pk>/report/", email_apis.TemplateReportApi.as_view(), name="template-report"),
    path("email/events/", email_apis.EmailEventsWebhookApi.as_view(), name="email-events"),
]
