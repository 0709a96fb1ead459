from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from core.views import health, media, metrics
from marketplace.views.accounts import signup

# Staff sign in through allauth too, so the admin cannot skip the second factor.
admin.site.login = secure_admin_login(admin.site.login)
# allauth's rate limits answer with this (our 429 page, with Retry-After).
handler429 = "core.views.errors.too_many_requests"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # allauth's signup, with our refusals as form errors (marketplace.views.accounts).
    path("accounts/signup/", signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
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
        re_path(r"^media/previews/(?P<path>.*)$", media.preview_file),
    ]
