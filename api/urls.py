from django.urls import path

from api import views
from api.main import api

urlpatterns = [
    path("api/v1/originals/<str:token>", views.original_download, name="api_original"),
    path("api/v1/", api.urls),
    path("accounts/tokens/", views.token_create_view, name="api_token_create"),
    path(
        "accounts/tokens/<uuid:token_id>/revoke/", views.token_revoke_view, name="api_token_revoke"
    ),
]
