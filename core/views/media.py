"""Embedded mode's public previews and avatars, from the local previews folder.

Content-addressed previews get the same long-lived Cache-Control as on S3 (core.media), so a
CDN in front of this site (PUBLIC_MEDIA_URL) caches them the same way.
"""

from django.conf import settings
from django.views.static import serve

from core.media import cache_control_for


def preview_file(request, path: str):
    response = serve(
        request, path, document_root=settings.STORAGES["previews"]["OPTIONS"]["location"]
    )
    cache_control = cache_control_for(path)
    if cache_control:
        response["Cache-Control"] = cache_control
    return response
