from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from core.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("provenance.urls")),
    path("", include("generation.urls")),
    path("", include("licensing.urls")),
    path("", include("disputes.urls")),
    path("", include("payments.urls")),
    path("", include("commissions.urls")),
    path("", include("webhooks.urls")),
    path("", include("api.urls")),
    path("", include("marketplace.urls")),
]

if settings.STORAGES["previews"]["BACKEND"].endswith("FileSystemStorage"):
    # Embedded mode: public previews and avatars are served from the local previews folder.
    # Private originals are never exposed this way; they go through authorised views.
    urlpatterns += [
        re_path(
            r"^media/previews/(?P<path>.*)$",
            serve,
            {"document_root": settings.STORAGES["previews"]["OPTIONS"]["location"]},
        ),
    ]
