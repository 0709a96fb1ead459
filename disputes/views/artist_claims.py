"""Artist-claim pages: raise a claim about a style or a piece, the claim page for both sides
and moderators, and the moderators' actions (one service per button). Others get 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from disputes.forms.takedowns import ArtistClaimActionForm, ArtistClaimForm
from disputes.models import ArtistClaimKind
from disputes.selectors.takedowns import (
    artist_claim_target,
    artist_claim_visible,
    verified_artist,
)
from disputes.services import artist_claims as svc


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _target(request):
    """The public style (?style=) or the piece (?piece=) the claim is about, or 404."""
    style_id, piece_id = _uuid(request.GET.get("style", "")), _uuid(request.GET.get("piece", ""))
    style, piece = artist_claim_target(style_id=style_id, piece_id=piece_id)
    if style is None and piece is None:
        raise Http404("No such style or piece.")
    return style, piece


@login_required
@require_http_methods(["GET", "POST"])
def artist_claim_new(request):
    style, piece = _target(request)
    kind = ArtistClaimKind.STYLE_IMITATION if style else ArtistClaimKind.PIECE_COPY
    form = ArtistClaimForm(request.POST or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            claim = svc.artist_claim_file(
                claimant=request.user, style=style, piece=piece, **form.cleaned_data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Claim raised. A moderator will review it.")
            return redirect(claim)
    context = {"form": form, "style": style, "piece": piece}
    return render(
        request, "disputes/artist_claims/new.html", context, status=400 if form.errors else 200
    )


def _claim_or_404(request, claim_id):
    claim = artist_claim_visible(claim_id=claim_id, user=request.user)
    if claim is None:
        raise Http404("No such claim.")
    return claim


@login_required
@require_GET
def artist_claim_detail(request, claim_id):
    claim = _claim_or_404(request, claim_id)
    context = {
        "claim": claim,
        "events": claim.events.select_related("actor"),
        "verified": verified_artist(user=claim.claimant),
        "action_form": ArtistClaimActionForm(),
    }
    return render(request, "disputes/artist_claims/detail.html", context)


def _run(action: str, *, claim, moderator, note: str) -> str:
    if action == "verify_identity":
        svc.artist_identity_verify(claim=claim, moderator=moderator, method=note)
        return "Identity verified; later claims by this artist skip this step."
    if action == "banner":
        svc.artist_claim_banner(claim=claim, moderator=moderator, text=note)
        return "Banner shown on the style page."
    if action == "withdraw_style":
        svc.artist_claim_withdraw_style(claim=claim, moderator=moderator, note=note)
        return "Style withdrawn."
    if action == "block_name":
        svc.artist_claim_block_name(claim=claim, moderator=moderator, note=note)
        return "The artist's name is now refused in prompts for this style."
    if action == "reject":
        svc.artist_claim_reject(claim=claim, moderator=moderator, note=note)
        return "Claim rejected."
    raise ApplicationError("Unknown action.")


@login_required
@require_POST
def artist_claim_action(request, claim_id):
    if not request.user.is_moderator:
        raise Http404("No such page.")
    claim = _claim_or_404(request, claim_id)
    form = ArtistClaimActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That action was not understood; nothing changed.")
        return redirect(claim)
    try:
        done = _run(
            form.cleaned_data["action"],
            claim=claim,
            moderator=request.user,
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        messages.error(request, f"Nothing changed: {error.message}")
    else:
        messages.success(request, done)
    return redirect(claim)
