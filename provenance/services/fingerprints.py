"""Fingerprints for pieces stamped before keypoints and ISCC codes existed, computed from
each stored original (its marked pixels, as at stamping). Idempotent and resumable: each
batch is its own transaction and a piece that has both is never read again."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from PIL import Image

from provenance import iscc, keypoints
from provenance.models import KeypointFingerprint, ProvenanceRecord


def _missing(batch: int, skip: set) -> list[ProvenanceRecord]:
    lacking = Q(piece__keypoints__isnull=True) | Q(iscc_code="")
    return list(
        ProvenanceRecord.objects.select_related("piece")
        .filter(lacking)
        .exclude(piece_id__in=skip)
        .order_by("piece_id")[:batch]
    )


@transaction.atomic
def _fill(record: ProvenanceRecord) -> None:
    with record.piece.original.open("rb") as handle:
        image = Image.open(handle).convert("RGB")
    if not KeypointFingerprint.objects.filter(piece_id=record.piece_id).exists():
        found = keypoints.extract(image)
        KeypointFingerprint.objects.create(
            piece_id=record.piece_id, data=found.to_bytes(), count=len(found)
        )
    if not record.iscc_code:
        ProvenanceRecord.objects.filter(pk=record.pk).update(iscc_code=iscc.image_code(image))


def fingerprints_backfill(*, batch: int = 200) -> tuple[int, list[str]]:
    """Fill every record that lacks keypoints or an ISCC code; returns (filled, the piece
    ids whose original could not be read, left as they were)."""
    filled, unreadable, skip = 0, [], set()
    while records := _missing(batch, skip):
        for record in records:
            try:
                _fill(record)
                filled += 1
            except (OSError, ValueError):
                unreadable.append(str(record.piece_id))
                skip.add(record.piece_id)
    return filled, unreadable
