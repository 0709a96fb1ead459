"""The ledger's hash chain: canonical JSON and sha256 links, with no database access.

entry_hash = sha256(canonical_json({seq, prev_hash, kind, piece, actor, created_at, data}))
where canonical JSON sorts keys, uses no whitespace and UTF-8, and `created_at` is an ISO
8601 UTC string with microseconds. The first entry's prev_hash is GENESIS (64 zeros).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("Ledger timestamps must be timezone-aware.")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_payload(
    *,
    seq: int,
    prev_hash: str,
    kind: str,
    piece_id: str,
    actor_id: int | None,
    created_at: dt.datetime,
    data: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "seq": seq,
        "prev_hash": prev_hash,
        "kind": kind,
        "piece": str(piece_id),
        "actor": actor_id,
        "created_at": timestamp(created_at),
        "data": dict(data),
    }


def entry_hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(entries: Iterable[Any]) -> ChainReport:
    """Walk entries in seq order; report the first one whose link or hash does not hold.

    Each entry needs: seq, prev_hash, hash, kind, piece_id, actor_id, created_at, data.
    """
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(checked, prev, entry.seq, f"expected seq {expected_seq}")
        if entry.prev_hash != prev:
            return ChainReport(checked, prev, entry.seq, "prev_hash does not match")
        payload = entry_payload(
            seq=entry.seq,
            prev_hash=entry.prev_hash,
            kind=entry.kind,
            piece_id=entry.piece_id,
            actor_id=entry.actor_id,
            created_at=entry.created_at,
            data=entry.data,
        )
        if entry_hash(payload) != entry.hash:
            return ChainReport(checked, prev, entry.seq, "content does not match its hash")
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return ChainReport(checked, prev)
