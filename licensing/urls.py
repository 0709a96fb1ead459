from django.urls import path

from licensing.views import disputes, licences, moderation, provenance

app_name = "licensing"

urlpatterns = [
    path("verify/", provenance.verify_lookup, name="verify"),
    path("verify/<uuid:piece_id>/", provenance.verify_piece, name="verify_piece"),
    path(
        "licences/<uuid:grant_id>/certificate.pdf",
        licences.grant_certificate_pdf,
        name="certificate_pdf",
    ),
    path(
        "certificates/<uuid:certificate_id>/",
        licences.certificate_verify,
        name="certificate_verify",
    ),
    path(
        "listings/<uuid:listing_id>/licences/",
        licences.listing_licences,
        name="listing_licences",
    ),
    path("disputes/", disputes.dispute_list, name="dispute_list"),
    path("disputes/new/", disputes.dispute_new, name="dispute_new"),
    path("disputes/<uuid:dispute_id>/", disputes.dispute_detail, name="dispute_detail"),
    path("disputes/<uuid:dispute_id>/messages/", disputes.dispute_message, name="dispute_message"),
    path(
        "disputes/<uuid:dispute_id>/evidence/", disputes.dispute_evidence, name="dispute_evidence"
    ),
    path(
        "disputes/<uuid:dispute_id>/evidence/<int:evidence_id>/",
        disputes.evidence_download,
        name="evidence_download",
    ),
    path("disputes/<uuid:dispute_id>/appeal/", disputes.dispute_appeal_view, name="dispute_appeal"),
    path("notifications/", disputes.notifications, name="notifications"),
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/disputes/<uuid:dispute_id>/", moderation.case, name="moderation_case"),
    path(
        "moderation/disputes/<uuid:dispute_id>/action/",
        moderation.case_action,
        name="moderation_action",
    ),
]
