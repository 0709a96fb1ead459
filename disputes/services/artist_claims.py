"""Source-artist claims: an artist says a style imitates them by name, or a piece copies
their work. A moderator verifies the artist's identity once (VerifiedArtist; later claims
skip it), then applies remedies: a public banner on the style, withdrawing the style,
blocking the artist's name in prompts for the style, or rejecting the claim. Every step
is an ArtistClaimEvent and a notification to both sides."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.services.notifications import notification_send
from disputes.models import (
    ArtistClaim,
    ArtistClaimEvent,
    ArtistClaimKind,
    ArtistClaimStatus,
    VerifiedArtist,
)
from disputes.notification_kinds import DISPUTES
from disputes.services.cases import active_moderators, require_moderator
from generation.models import Piece, Style, StyleStatus
from generation.services.protected_names import protected_name_add
from generation.services.styles import style_withdraw_by_moderator

MIN_STATEMENT = 20


def _record(claim, *, actor, action: str, from_status: str = "", note: str = "", data=None):
    ArtistClaimEvent.objects.create(
        claim=claim,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=claim.status,
        note=note,
        data=data or {},
    )


def _notify(claim: ArtistClaim, *, subject: str, body: str = "", moderators=False) -> None:
    also = active_moderators() if moderators else []
    notification_send(
        users=[claim.claimant, claim.respondent, *also],
        subject=subject,
        body=body,
        url=claim.get_absolute_url(),
        ref=f"artist_claim:{claim.pk}",
        kind=DISPUTES,
    )


def _target(kind: str, style: Style | None, piece: Piece | None):
    """(style, piece, respondent) for the claim's kind, or a clear error."""
    if kind == ArtistClaimKind.STYLE_IMITATION:
        if style is None or style.status == StyleStatus.DRAFT:
            raise ApplicationError("Choose a published style to claim about.", field="kind")
        return style, None, style.creator
    if kind == ArtistClaimKind.PIECE_COPY:
        if piece is None:
            raise ApplicationError("Choose the piece that copies your work.", field="kind")
        return None, piece, piece.owner
    raise ApplicationError("Choose what the claim is about.", field="kind")


@transaction.atomic
def artist_claim_file(
    *,
    claimant,
    kind: str,
    artist_name: str,
    statement: str,
    evidence_links: list[str],
    style: Style | None = None,
    piece: Piece | None = None,
) -> ArtistClaim:
    style, piece, respondent = _target(kind, style, piece)
    if respondent.pk == claimant.pk:
        raise ApplicationError("You cannot raise a claim about your own work.")
    if not artist_name.strip():
        raise ApplicationError("Give the name you are known by as an artist.", field="artist_name")
    if len(statement.strip()) < MIN_STATEMENT:
        raise ApplicationError(
            f"Explain the claim in at least {MIN_STATEMENT} characters.", field="statement"
        )
    claim = ArtistClaim.objects.create(
        kind=kind,
        claimant=claimant,
        respondent=respondent,
        style=style,
        piece=piece,
        artist_name=artist_name.strip(),
        statement=statement.strip(),
        evidence_links=list(evidence_links),
    )
    verified = VerifiedArtist.objects.filter(user=claimant).exists()
    _record(claim, actor=claimant, action="filed", data={"verified_artist": verified})
    _notify(claim, subject=f"Artist claim raised by {claim.artist_name}", moderators=True)
    return claim


def _start(claim: ArtistClaim, moderator) -> ArtistClaim:
    require_moderator(moderator)
    claim = (
        ArtistClaim.objects.select_for_update(of=("self",)).select_related("style").get(pk=claim.pk)
    )
    if claim.status == ArtistClaimStatus.REJECTED:
        raise ApplicationError("This claim was rejected; nothing more can be done on it.")
    return claim


def _require_verified(claim: ArtistClaim) -> None:
    if not VerifiedArtist.objects.filter(user_id=claim.claimant_id).exists():
        raise ApplicationError("Verify the artist's identity before applying a remedy.")


def _require_style(claim: ArtistClaim) -> Style:
    if claim.style_id is None:
        raise ApplicationError("This claim is about a piece, not a style.")
    return claim.style


@transaction.atomic
def artist_identity_verify(*, claim: ArtistClaim, moderator, method: str) -> VerifiedArtist:
    """Once per artist: who checked, when, and how."""
    claim = _start(claim, moderator)
    if not method.strip():
        raise ApplicationError("Say how you checked the artist's identity.", field="note")
    if VerifiedArtist.objects.filter(user_id=claim.claimant_id).exists():
        raise ApplicationError("This artist's identity is already verified.")
    verified = VerifiedArtist.objects.create(
        user_id=claim.claimant_id,
        verified_by=moderator,
        verified_at=timezone.now(),
        method=method.strip(),
    )
    _record(claim, actor=moderator, action="identity_verified", note=verified.method)
    return verified


def _act(claim: ArtistClaim, *, moderator, action: str, note: str, data=None) -> None:
    previous = claim.status
    claim.status = ArtistClaimStatus.ACTED_ON
    claim.save(update_fields=["status", "banner_text"])
    _record(claim, actor=moderator, action=action, from_status=previous, note=note, data=data)


@transaction.atomic
def artist_claim_banner(*, claim: ArtistClaim, moderator, text: str) -> ArtistClaim:
    """A public banner on the style page: "An artist has raised a claim about this style: …"."""
    claim = _start(claim, moderator)
    _require_verified(claim)
    _require_style(claim)
    if not text.strip():
        raise ApplicationError("Write the banner the public will read.", field="note")
    claim.banner_text = text.strip()[:300]
    _act(claim, moderator=moderator, action="banner_shown", note=claim.banner_text)
    _notify(claim, subject="A banner about the claim is now shown on the style", body=text)
    return claim


@transaction.atomic
def artist_claim_withdraw_style(*, claim: ArtistClaim, moderator, note: str) -> ArtistClaim:
    claim = _start(claim, moderator)
    _require_verified(claim)
    style = _require_style(claim)
    if not note.strip():
        raise ApplicationError("Say why the style is withdrawn.", field="note")
    style_withdraw_by_moderator(
        style=style, moderator=moderator, reason=f"Artist claim {claim.pk}: {note.strip()}"
    )
    _act(claim, moderator=moderator, action="style_withdrawn", note=note.strip())
    _notify(claim, subject=f"Style “{style.title}” withdrawn after an artist claim", body=note)
    return claim


@transaction.atomic
def artist_claim_block_name(*, claim: ArtistClaim, moderator, note: str) -> ArtistClaim:
    """Prompts in the style that name the artist are refused from now on (the prompt
    policy's protected names, scoped to this style)."""
    claim = _start(claim, moderator)
    _require_verified(claim)
    style = _require_style(claim)
    if not note.strip():
        raise ApplicationError("Say why the name is blocked.", field="note")
    entry = protected_name_add(
        name=claim.artist_name,
        kind="artist",
        style=style,
        note=f"Artist claim {claim.pk}: {note.strip()}",
        actor=moderator,
    )
    data = {"protected_name": entry.pk, "name": entry.name}
    _act(claim, moderator=moderator, action="name_blocked", note=note.strip(), data=data)
    _notify(
        claim,
        subject=f"Prompts naming {claim.artist_name} are now refused in “{style.title}”",
        body=note.strip(),
    )
    return claim


@transaction.atomic
def artist_claim_reject(*, claim: ArtistClaim, moderator, note: str) -> ArtistClaim:
    claim = _start(claim, moderator)
    if not note.strip():
        raise ApplicationError("Say why the claim is rejected.", field="note")
    previous = claim.status
    claim.status = ArtistClaimStatus.REJECTED
    claim.closed_at = timezone.now()
    claim.save(update_fields=["status", "closed_at"])
    _record(claim, actor=moderator, action="rejected", from_status=previous, note=note.strip())
    _notify(claim, subject="Artist claim rejected", body=note.strip())
    return claim
