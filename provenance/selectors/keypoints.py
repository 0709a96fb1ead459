"""Which pieces does a re-posted copy show? The keypoint lookup (provenance.keypoints).

Each process keeps one in-memory index of every piece's keypoints, loaded once and then
topped up with the rows added since (KeypointFingerprint ids only grow), so a lookup costs
one small query for new rows, the vote, and one query for the candidates' keypoints.
Memory: about KEYPOINT_INDEX_BYTES_PER_PIECE per piece (docs/adr/012).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from provenance import keypoints as kp
from provenance.models import KeypointFingerprint, ProvenanceRecord

KEYPOINT_INDEX_BYTES_PER_PIECE = kp.INDEXED * kp.TABLES * 4
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
        """Add the rows written since the last look (any process may have written them)."""
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


def keypoint_matches(
    *, query: tuple[kp.Keypoints, kp.Keypoints], limit: int = 5
) -> list[KeypointMatch]:
    """Pieces the copy shows, best first, each with enough agreeing keypoint matches."""
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
    strong = kp.verified(query, references)[:limit]
    records = ProvenanceRecord.objects.select_related("creator").in_bulk(
        [piece_id for piece_id, _ in strong]
    )
    return [
        KeypointMatch(records[piece_id], inliers)
        for piece_id, inliers in strong
        if piece_id in records
    ]


def keypoint_index_reset() -> None:
    """Forget the in-memory index (tests; after a restore of the database)."""
    global _process_index
    _process_index = _ProcessIndex()
