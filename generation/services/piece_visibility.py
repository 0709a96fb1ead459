"""A moderation decision hides a piece from public pages (the verify page, certificates,
style galleries) and a reversed decision shows it again. The deciding floor writes the
history (statement of reasons, ledger entry); this only holds the piece's own state."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from generation.models import Piece


@transaction.atomic
def piece_hide(*, piece: Piece) -> Piece:
    piece = Piece.objects.select_for_update().get(pk=piece.pk)
    if piece.hidden_at is None:
        piece.hidden_at = timezone.now()
        piece.save(update_fields=["hidden_at"])
    return piece


@transaction.atomic
def piece_show(*, piece: Piece) -> Piece:
    piece = Piece.objects.select_for_update().get(pk=piece.pk)
    if piece.hidden_at is not None:
        piece.hidden_at = None
        piece.save(update_fields=["hidden_at"])
    return piece
