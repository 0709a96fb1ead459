"""The API's plain Django views: signed original downloads, and tokens on the profile."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from api.forms import TokenForm
from api.selectors.tokens import token_for_user
from api.services.originals import original_link_open
from api.services.tokens import token_create, token_revoke
from core.errors import ApplicationError
from core.forms import add_application_error
from generation.models import Piece
from generation.selectors.pieces import piece_original_allowed

User = get_user_model()


@require_GET
def original_download(request, token: str):
    """A signed, short-lived link is the credential (like an S3 presigned URL); the person
    it was made for must still be entitled to the original now."""
    opened = original_link_open(token=token)
    if opened is None:
        raise Http404("This link has expired or is not valid.")
    piece_id, user_id = opened
    piece = Piece.objects.filter(pk=piece_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if piece is None or user is None or not piece_original_allowed(user=user, piece=piece):
        raise Http404("This link has expired or is not valid.")
    response = FileResponse(
        storages["default"].open(piece.original.name, "rb"), content_type="image/png"
    )
    response["Content-Disposition"] = f'attachment; filename="{piece.pk}.png"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def token_create_view(request):
    """The secret is on this one response only (never stored, never cached)."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            issued = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            response = render(
                request,
                "api/token_created.html",
                {"token": issued.token, "plaintext": issued.plaintext},
            )
            response["Cache-Control"] = "no-store"
            return response
    for error in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, f"Token not created: {error}")
    return redirect(reverse("profile") + "#api-tokens")


@login_required
@require_POST
def token_revoke_view(request, token_id):
    token = token_for_user(user=request.user, token_id=token_id)
    if token is None:
        raise Http404("No such token.")
    token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
    return redirect(reverse("profile") + "#api-tokens")
