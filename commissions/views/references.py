"""A brief's reference images: streamed to the buyer and the creator, never by URL.

The files sit in private default storage (re-encoded PNGs, see services.brief). Both
storage modes stream through this view, so no signed or public link to them exists.
Moderators see them only while an active or decided dispute links the commission (the
moderation case page shows them); anyone else gets 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from commissions.selectors import commission_reference_for_viewer


@login_required
@require_GET
def reference_image(request, commission_id, reference_id):
    reference = commission_reference_for_viewer(
        user=request.user, commission_id=commission_id, reference_id=reference_id
    )
    if reference is None:
        raise Http404("No such image.")
    response = FileResponse(
        storages["default"].open(reference.image.name, "rb"), content_type="image/png"
    )
    response["Content-Disposition"] = f'inline; filename="reference-{reference.pk}.png"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
