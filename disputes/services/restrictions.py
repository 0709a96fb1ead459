"""Restrictions a moderator (or the misuse rules) impose on content or an account, and their
reversal when a complaint is upheld. Each restriction goes through the owning floor's
service where one exists (listing suspension), writes its history row (ListingEvent,
StyleEvent, AccountEvent, ledger entry) and a statement of reasons.

Hiding a piece takes it off public pages (verify page, certificates, style galleries),
suspends the one listing it can be in and writes "disputed" to the piece's ledger.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError, PermissionDeniedError
from disputes.models import (
    ACTIVE_TAKEDOWN_STATUSES,
    DecisionGround,
    RestrictionKind,
    StatementOfReasons,
)
from disputes.services.statements import Reasons, statement_issue
from disputes.services.takedowns import takedown_moderate
from generation.models import (
    Piece,
    PromptReview,
    Style,
    StyleEvent,
    StyleStatus,
)
from generation.services.piece_visibility import piece_hide, piece_show
from generation.services.prompt_reviews import prompt_review_reverse
from marketplace.models import AccountEvent, Listing, ListingStatus
from marketplace.services.suspensions import listing_suspend, listing_unsuspend
from provenance.models import LedgerKind, ProvenanceRecord
from provenance.services.ledger import ledger_append

User = get_user_model()

# What a moderator may do to each kind of reported target.
ACTIONS_FOR_TARGET = {
    "listing": (RestrictionKind.LISTING_SUSPENDED,),
    "style": (RestrictionKind.STYLE_WITHDRAWN,),
    "piece": (RestrictionKind.PIECE_HIDDEN,),
    "storefront": (),
}
ACCOUNT_ACTIONS = (RestrictionKind.ACCOUNT_WARNED, RestrictionKind.ACCOUNT_SUSPENDED)


def _issue(user, kind, restricted, reasons: Reasons, actor, **subject) -> StatementOfReasons:
    return statement_issue(
        user=user, kind=kind, restricted=restricted, reasons=reasons, decided_by=actor, **subject
    )


@transaction.atomic
def restrict_listing(*, listing: Listing, actor: User, reasons: Reasons) -> StatementOfReasons:
    listing = listing_suspend(listing=listing, actor=actor, reason=reasons.facts)
    return _issue(
        listing.creator,
        RestrictionKind.LISTING_SUSPENDED,
        f"Listing “{listing.title}”",
        reasons,
        actor,
        listing=listing,
    )


def _style_set(style: Style, *, status: str, actor: User, message: str) -> Style:
    style = Style.objects.select_for_update().get(pk=style.pk)
    previous = style.status
    style.status = status
    style.save(update_fields=["status", "updated_at"])
    StyleEvent.objects.create(
        style=style, from_status=previous, to_status=status, actor=actor, message=message[:300]
    )
    return style


@transaction.atomic
def restrict_style(*, style: Style, actor: User, reasons: Reasons) -> StatementOfReasons:
    """No new commissions in it; paid work and past versions stay valid (as when the
    creator withdraws it)."""
    previous = Style.objects.select_for_update().get(pk=style.pk).status
    if previous == StyleStatus.WITHDRAWN:
        raise ApplicationError("This style is already withdrawn.", code="nothing_to_do")
    style = _style_set(style, status=StyleStatus.WITHDRAWN, actor=actor, message=reasons.facts)
    return _issue(
        style.creator,
        RestrictionKind.STYLE_WITHDRAWN,
        f"Style “{style.title}”",
        reasons,
        actor,
        style=style,
        data={"previous_status": previous},
    )


@transaction.atomic
def restrict_piece(*, piece: Piece, actor: User, reasons: Reasons) -> StatementOfReasons:
    listing = Listing.objects.filter(listing_pieces__piece=piece).first()
    suspended = None
    if listing is not None and listing.status != ListingStatus.SUSPENDED:
        suspended = listing_suspend(listing=listing, actor=actor, reason=reasons.facts).pk
    piece_hide(piece=piece)
    if ProvenanceRecord.objects.filter(piece=piece).exists():
        ledger_append(
            piece=piece, kind=LedgerKind.DISPUTED, actor=actor, data={"remedy": "piece_hidden"}
        )
    return _issue(
        piece.owner,
        RestrictionKind.PIECE_HIDDEN,
        f"Piece {piece.pk}",
        reasons,
        actor,
        piece=piece,
        data={"suspended_listing": str(suspended) if suspended else ""},
    )


@transaction.atomic
def restrict_account(
    *, user: User, kind: str, actor: User | None, reasons: Reasons
) -> StatementOfReasons:
    """Warn, or suspend (the account can no longer sign in; the statement still reaches it
    by mail with a complaint link that needs no sign-in)."""
    if kind not in ACCOUNT_ACTIONS:
        raise ApplicationError("Choose a warning or a suspension.", field="action")
    if user.is_moderator or (actor is not None and user.pk == actor.pk):
        raise PermissionDeniedError("Moderators' accounts are not restricted here.")
    if kind == RestrictionKind.ACCOUNT_SUSPENDED:
        if not user.is_active:
            raise ApplicationError("This account is already suspended.", code="nothing_to_do")
        user.is_active = False
        user.save(update_fields=["is_active"])
    event_kind = "suspended" if kind == RestrictionKind.ACCOUNT_SUSPENDED else "warned"
    AccountEvent.objects.create(
        user=user,
        kind=event_kind,
        actor=actor,
        data={"note": reasons.facts, "automated": reasons.automated_decision},
    )
    return _issue(user, kind, f"Account of {user.public_name}", reasons, actor)


# Sexual content involving minors is illegal everywhere we operate; the rest is our terms.
LAW_CATEGORIES = {"minors_sexual": "Law on child sexual abuse material"}


@transaction.atomic
def restrict_prompt(*, review: PromptReview, moderator: User, note: str) -> StatementOfReasons:
    """A moderator upheld a refused prompt on appeal: the policy detected it automatically,
    a person decided it."""
    law = LAW_CATEGORIES.get(review.category)
    policy = f"Prompt policy: {review.get_category_display()} (rule {review.rule_id})"
    reasons = Reasons(
        facts=f"The text matched “{review.matched_text}”. {note}",
        ground=DecisionGround.LAW if law else DecisionGround.TERMS,
        ground_detail=law or policy,
        automated_detection=True,
    )
    restricted = f"Prompt “{review.prompt[:80]}”"
    return _issue(
        review.user,
        RestrictionKind.PROMPT_REFUSED,
        restricted,
        reasons,
        moderator,
        prompt_review=review,
    )


def _reverse_listing(listing_id, actor: User, note: str) -> None:
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is not None and listing.status == ListingStatus.SUSPENDED:
        listing_unsuspend(listing=listing, actor=actor, reason=note)


def _reverse_piece(statement: StatementOfReasons, actor: User, note: str) -> None:
    piece_show(piece=statement.piece)
    if statement.data.get("suspended_listing"):
        _reverse_listing(statement.data["suspended_listing"], actor, note)
    if ProvenanceRecord.objects.filter(piece=statement.piece).exists():
        data = {"remedy": "piece_shown", "statement": str(statement.pk)}
        ledger_append(piece=statement.piece, kind=LedgerKind.DISPUTED, actor=actor, data=data)


def _reverse_takedown(statement: StatementOfReasons, actor: User, note: str) -> None:
    """An upheld complaint restores the listing through the notice's own steps; a notice
    already closed has nothing left down."""
    notice = statement.takedown
    if notice.status in ACTIVE_TAKEDOWN_STATUSES:
        takedown_moderate(
            notice=notice, moderator=actor, decision="restore", note=f"Complaint upheld: {note}"
        )


def _reverse_account(statement: StatementOfReasons, actor: User, note: str) -> None:
    user = statement.user
    if statement.kind == RestrictionKind.ACCOUNT_SUSPENDED and not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    kind = "reinstated" if statement.kind == RestrictionKind.ACCOUNT_SUSPENDED else "unwarned"
    AccountEvent.objects.create(
        user=user, kind=kind, actor=actor, data={"statement": str(statement.pk), "note": note}
    )


@transaction.atomic
def restriction_reverse(*, statement: StatementOfReasons, actor: User, note: str) -> None:
    """Undo what the statement restricted (an upheld complaint), each through its own
    history, and mark the statement reversed."""
    statement = StatementOfReasons.objects.select_for_update().get(pk=statement.pk)
    if statement.reversed_at is not None:
        raise ApplicationError("This decision was already reversed.", code="nothing_to_do")
    kind = statement.kind
    if kind == RestrictionKind.LISTING_SUSPENDED:
        _reverse_listing(statement.listing_id, actor, note)
    elif kind == RestrictionKind.LISTING_DISABLED:
        _reverse_takedown(statement, actor, note)
    elif kind == RestrictionKind.PIECE_HIDDEN:
        _reverse_piece(statement, actor, note)
    elif kind == RestrictionKind.STYLE_WITHDRAWN:
        previous = statement.data.get("previous_status") or StyleStatus.DRAFT
        _style_set(statement.style, status=previous, actor=actor, message=note)
    elif kind in ACCOUNT_ACTIONS:
        _reverse_account(statement, actor, note)
    elif kind == RestrictionKind.PROMPT_REFUSED:
        prompt_review_reverse(review=statement.prompt_review, moderator=actor, note=note)
    statement.reversed_at = timezone.now()
    statement.save(update_fields=["reversed_at"])
