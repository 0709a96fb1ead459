"""Which pieces does a re-posted copy show? The keypoint lookup (provenance.keypoints).

The process that searches (the lookup worker: provenance.services.lookups) keeps one
in-memory index of every piece's keypoints, loaded once and then topped up with the rows
added since (KeypointFingerprint ids only grow), so a search costs one small query for new
rows, the index's candidates, and one query for the candidates' keypoints. Memory: about
KEYPOINT_INDEX_BYTES_PER_PIECE per piece, ~1 GB at 100k pieces (docs/adr/012).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from provenance import keypoints as kp
from provenance.models import KeypointFingerprint, KeypointLookup, ProvenanceRecord

KEYPOINT_INDEX_BYTES_PER_PIECE = kp.INDEX_BYTES_PER_DESCRIPTOR * kp.INDEXED
_LOAD_BATCH = 2000


@dataclass(frozen=True)
class KeypointMatch:
    record: ProvenanceRecord
    inliers: int  # keypoint matches agreeing on one transform

    @property
    def confidence(self) -> float:
        return kp.confidence(self.inliers)


class _ProcessIndex:
    def __init__(self) -> None:
        self.index = kp.KeypointIndex()
        self.last_id = 0
        self.lock = threading.Lock()

    def refresh(self) -> None:
        """Add the rows written since the last look (any process may have written them);
        start again from every row once the catalogue outgrew the index's structure."""
        self._load_new()
        if self.index.outgrown:
            self.index, self.last_id = kp.KeypointIndex(), 0
            self._load_new()

    def _load_new(self) -> None:
        while True:
            rows = list(
                KeypointFingerprint.objects.filter(id__gt=self.last_id)
                .order_by("id")
                .values_list("id", "piece_id", "data")[:_LOAD_BATCH]
            )
            for row_id, piece_id, data in rows:
                self.index.add(piece_id, kp.Keypoints.from_bytes(bytes(data)))
                self.last_id = row_id
            if len(rows) < _LOAD_BATCH:
                return


_process_index = _ProcessIndex()


def keypoint_search(
    *, query: tuple[kp.Keypoints, kp.Keypoints], limit: int = 5
) -> list[tuple[uuid.UUID, int]]:
    """(piece id, agreeing matches) of the pieces the copy shows, best first."""
    if not any(len(side) for side in query):
        return []
    with _process_index.lock:
        _process_index.refresh()
        candidates = _process_index.index.candidates(query)
    stored = dict(
        KeypointFingerprint.objects.filter(piece_id__in=candidates).values_list("piece_id", "data")
    )
    references = {
        piece_id: kp.Keypoints.from_bytes(bytes(stored[piece_id]))
        for piece_id in candidates
        if piece_id in stored
    }
    return kp.verified(query, references)[:limit]


def keypoint_index_reset() -> None:
    """Forget the in-memory index (tests; after a restore of the database)."""
    global _process_index
    _process_index = _ProcessIndex()


@dataclass(frozen=True)
class LookupView:
    lookup: KeypointLookup
    matches: list[KeypointMatch]
    overdue: bool  # still pending past PROVENANCE_LOOKUP_WAIT_SECONDS

    @property
    def done(self) -> bool:
        return self.lookup.finished_at is not None


def keypoint_lookup_get(*, token: uuid.UUID) -> LookupView | None:
    """A lookup and its matches with their records (one query each), or None once purged."""
    lookup = KeypointLookup.objects.filter(token=token).defer("query").first()
    if lookup is None:
        return None
    inliers = {uuid.UUID(piece_id): count for piece_id, count in lookup.results}
    records = ProvenanceRecord.objects.select_related("creator", "piece").in_bulk(list(inliers))
    matches = [
        KeypointMatch(records[piece_id], count)
        for piece_id, count in inliers.items()
        if piece_id in records
    ]
    wait = timedelta(seconds=settings.PROVENANCE_LOOKUP_WAIT_SECONDS)
    overdue = lookup.finished_at is None and lookup.created_at < timezone.now() - wait
    return LookupView(lookup, matches, overdue)
