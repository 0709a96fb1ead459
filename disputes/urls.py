from django.urls import path

from disputes.views import (
    artist_claims,
    cases,
    moderation,
    notice_moderation,
    notices,
    takedowns,
    transparency,
)

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
    path("report/", notices.notice_new, name="notice_new"),
    path("report/confirm/<str:token>/", notices.notice_confirm_view, name="notice_confirm"),
    path("complaints/<str:token>/", notices.complaint_new, name="complaint_new"),
    path("statements/", notices.statement_list, name="statement_list"),
    path("statements/<uuid:statement_id>/", notices.statement_detail, name="statement_detail"),
    path("moderation/notices/", notice_moderation.notices_queue, name="moderation_notices"),
    path(
        "moderation/notices/<uuid:notice_id>/",
        notice_moderation.notice_review,
        name="moderation_notice",
    ),
    path(
        "moderation/notices/<uuid:notice_id>/decide/",
        notice_moderation.notice_decide_view,
        name="moderation_notice_decide",
    ),
    path(
        "moderation/complaints/<uuid:complaint_id>/",
        notice_moderation.complaint_review,
        name="moderation_complaint",
    ),
    path(
        "moderation/complaints/<uuid:complaint_id>/decide/",
        notice_moderation.complaint_decide_view,
        name="moderation_complaint_decide",
    ),
    path("transparency/", transparency.report, name="transparency"),
    path("transparency.csv", transparency.report_csv, name="transparency_csv"),
]

urlpatterns += [
    path("takedowns/new/", takedowns.takedown_new, name="takedown_new"),
    path("takedowns/<uuid:takedown_id>/", takedowns.takedown_detail, name="takedown_detail"),
    path(
        "takedowns/<uuid:takedown_id>/counter-notice/",
        takedowns.takedown_counter,
        name="takedown_counter",
    ),
    path(
        "takedowns/<uuid:takedown_id>/court-action/",
        takedowns.takedown_court_action,
        name="takedown_court_action",
    ),
    path(
        "takedowns/<uuid:takedown_id>/withdraw/",
        takedowns.takedown_withdraw,
        name="takedown_withdraw",
    ),
    path("moderation/takedowns/", takedowns.takedown_queue, name="takedown_queue"),
    path(
        "moderation/takedowns/<uuid:takedown_id>/decide/",
        takedowns.takedown_moderate,
        name="takedown_moderate",
    ),
]

urlpatterns += [
    path("artist-claims/new/", artist_claims.artist_claim_new, name="artist_claim_new"),
    path(
        "artist-claims/<uuid:claim_id>/",
        artist_claims.artist_claim_detail,
        name="artist_claim_detail",
    ),
    path(
        "moderation/artist-claims/<uuid:claim_id>/action/",
        artist_claims.artist_claim_action,
        name="artist_claim_action",
    ),
]
