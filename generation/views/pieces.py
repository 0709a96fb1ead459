from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from generation.hooks import OriginalRequested, original_requested
from generation.models import Piece
from generation.services.jobs import piece_pick


def _own_piece_or_404(request, piece_id) -> Piece:
    piece = Piece.objects.filter(pk=piece_id, owner=request.user).select_related("job").first()
    if piece is None:
        raise Http404("No such image.")
    return piece


@login_required
@require_POST
def piece_pick_view(request, piece_id):
    piece = _own_piece_or_404(request, piece_id)
    try:
        piece = piece_pick(
            piece=piece, actor=request.user, picked=request.POST.get("picked") == "1"
        )
    except ApplicationError as error:
        raise Http404(error.message) from None
    if request.headers.get("HX-Request"):
        return render(request, "generation/_piece_card.html", {"piece": piece})
    return redirect("job_detail", job_id=piece.job_id)


@login_required
@require_GET
def piece_original(request, piece_id):
    """Originals are private: their owner and active licensees get a short-lived signed URL
    (S3) or a streamed file (local storage); everyone else gets 404."""
    piece = Piece.objects.filter(pk=piece_id).first()
    allowed = piece is not None and (
        piece.owner_id == request.user.pk
        or any(original_requested.call(OriginalRequested(request.user, piece_id=piece.pk)))
    )
    if not allowed:
        raise Http404("No such image.")
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        return HttpResponseRedirect(storage.url(piece.original.name))
    response = FileResponse(storage.open(piece.original.name, "rb"), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{piece.pk}.png"'
    response["Cache-Control"] = "private, no-store"
    return response
