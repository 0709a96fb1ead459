from django.urls import path

from licensing.views import licences, provenance

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
]
