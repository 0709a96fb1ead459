from django.urls import path

from disputes.views import cases, moderation

app_name = "disputes"

urlpatterns = [
    path("disputes/", cases.dispute_list, name="dispute_list"),
    path("disputes/new/", cases.dispute_new, name="dispute_new"),
    path("disputes/<uuid:dispute_id>/", cases.dispute_detail, name="dispute_detail"),
    path("disputes/<uuid:dispute_id>/messages/", cases.dispute_message, name="dispute_message"),
    path("disputes/<uuid:dispute_id>/evidence/", cases.dispute_evidence, name="dispute_evidence"),
    path(
        "disputes/<uuid:dispute_id>/evidence/<int:evidence_id>/",
        cases.evidence_download,
        name="evidence_download",
    ),
    path("disputes/<uuid:dispute_id>/appeal/", cases.dispute_appeal_view, name="dispute_appeal"),
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/disputes/<uuid:dispute_id>/", moderation.case, name="moderation_case"),
    path(
        "moderation/disputes/<uuid:dispute_id>/action/",
        moderation.case_action,
        name="moderation_action",
    ),
]
