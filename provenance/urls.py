from django.urls import path

from provenance.views import verify

app_name = "provenance"

urlpatterns = [
    path("verify/", verify.verify_lookup, name="verify"),
    path("verify/lookups/<uuid:lookup_id>/", verify.verify_keypoints, name="verify_keypoints"),
    path("verify/<uuid:piece_id>/", verify.verify_piece, name="verify_piece"),
    path("verify/<uuid:piece_id>/manifest.c2pa", verify.verify_manifest, name="verify_manifest"),
]
