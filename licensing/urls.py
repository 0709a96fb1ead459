from django.urls import path

from licensing import views

app_name = "licensing"

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify"),
    path("verify/<uuid:piece_id>/", views.verify_piece, name="verify_piece"),
]
