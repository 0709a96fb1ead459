"""Who may do what with a piece, asked of the floors above where generation cannot know."""

from generation.hooks import DeriveRequested, OriginalRequested, may_derive, original_requested
from generation.models import Piece


def piece_editable_by(*, user, piece: Piece) -> bool:
    """Its owner may edit a piece; anyone else only when a floor above (licensing: a grant
    whose terms allow derivatives) says so."""
    if not user.is_authenticated:
        return False
    if piece.owner_id == user.pk:
        return True
    return any(may_derive.call(DeriveRequested(user=user, piece_id=piece.pk)))


def piece_for_editing(*, user, piece_id) -> Piece | None:
    """The piece with its job, when `user` may edit it; None otherwise (the view's 404)."""
    piece = Piece.objects.select_related("job").filter(pk=piece_id).first()
    if piece is None or not piece_editable_by(user=user, piece=piece):
        return None
    return piece


def piece_original_allowed(*, user, piece: Piece) -> bool:
    """Originals are private: their owner, and whoever a floor above knows as entitled (an
    active licensee), may download one."""
    if not user.is_authenticated:
        return False
    if piece.owner_id == user.pk:
        return True
    return any(original_requested.call(OriginalRequested(user, piece_id=piece.pk)))


def pieces_for_owner(*, owner):
    """Every piece someone made (their gallery), newest first."""
    return Piece.objects.filter(owner=owner).order_by("-created_at")
