from django.urls import path

from licensing.views import library, licences

app_name = "licensing"

urlpatterns = [
    path("library/", library.library, name="library"),
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
