from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from generation.engines import EDIT_KINDS
from generation.forms.edits import EditForm
from generation.models import Piece
from generation.selectors.pieces import piece_for_editing, piece_original_allowed
from generation.services.edits import KIND_LABELS, edit_availability, job_create_edit
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
    if piece is None or not piece_original_allowed(user=request.user, piece=piece):
        raise Http404("No such image.")
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        return HttpResponseRedirect(storage.url(piece.original.name))
    response = FileResponse(storage.open(piece.original.name, "rb"), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{piece.pk}.png"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def piece_edit(request, piece_id):
    """The piece's edit panels (one form per kind); a queued edit lands on its job page."""
    piece = piece_for_editing(user=request.user, piece_id=piece_id)
    if piece is None:
        raise Http404("No such image.")
    posted = request.POST.get("kind") if request.method == "POST" else None
    forms = {
        kind: EditForm(
            request.POST if kind == posted else None,
            request.FILES if kind == posted else None,
            kind=kind,
        )
        for kind in EDIT_KINDS
    }
    form = forms.get(posted)
    if form is not None and form.is_valid():
        try:
            job = job_create_edit(owner=request.user, piece=piece, **form.edit_arguments())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("job_detail", job_id=job.pk)
    reasons = edit_availability(piece=piece)
    panels = [(kind, KIND_LABELS[kind], forms[kind], reasons[kind]) for kind in EDIT_KINDS]
    context = {"piece": piece, "panels": panels, "posted": posted}
    status = 400 if form is not None and form.errors else 200
    return render(request, "generation/piece_edit.html", context, status=status)
