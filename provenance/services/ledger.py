"""Appends to the global hash-chained ledger. Appends are serialised on the head row; a batch
of appends (a worker completing a job) takes that lock once and writes its entries together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from provenance import ledger as chain
from provenance.models import LedgerEntry, LedgerHead, LedgerKind

_AFTER_REVOKE_ALLOWED = {LedgerKind.DISPUTED}


@dataclass(frozen=True)
class LedgerEvent:
    """One entry to append: what happened to which piece, by whom."""

    piece: Any
    kind: str
    actor: Any = None
    data: Mapping[str, Any] = field(default_factory=dict)


def _is_licence_revocation(kind: str, data: Mapping[str, Any]) -> bool:
    """A "revoked" entry naming a grant revokes that one licence, not the piece's rights."""
    return kind == LedgerKind.REVOKED and "grant" in data


def _check_event(event: LedgerEvent, earlier: list[tuple[str, Any]]) -> dict:
    """The ledger's rules for one event, given the piece's earlier (kind, data) rows."""
    if event.kind not in LedgerKind.values:
        raise ApplicationError(f"Unknown ledger event {event.kind!r}.", code="invalid_kind")
    data = dict(event.data or {})
    try:
        chain.canonical_json(data)
    except (TypeError, ValueError) as exc:
        raise ApplicationError("Ledger data must be plain JSON.", code="invalid_data") from exc
    kinds = {row_kind for row_kind, _ in earlier}
    piece_revoked = any(
        row_kind == LedgerKind.REVOKED and not _is_licence_revocation(row_kind, row_data or {})
        for row_kind, row_data in earlier
    )
    if event.kind == LedgerKind.CREATED and LedgerKind.CREATED in kinds:
        raise ApplicationError("This piece already has a creation entry.", code="duplicate")
    if event.kind != LedgerKind.CREATED and LedgerKind.CREATED not in kinds:
        raise ApplicationError("This piece has no provenance record yet.", code="no_record")
    if (
        piece_revoked
        and event.kind not in _AFTER_REVOKE_ALLOWED
        and not _is_licence_revocation(event.kind, data)
    ):
        raise ApplicationError("This piece's rights were revoked.", code="revoked")
    return data


@transaction.atomic
def ledger_append_many(*, events: Sequence[LedgerEvent]) -> list[LedgerEntry]:
    """Append `events` in order, each chained to the one before; all or none."""
    if not events:
        return []
    head, _ = LedgerHead.objects.select_for_update().get_or_create(id=1)
    rows: dict[Any, list] = defaultdict(list)
    for piece_id, kind, data in LedgerEntry.objects.filter(
        piece__in={event.piece.pk for event in events}
    ).values_list("piece_id", "kind", "data"):
        rows[piece_id].append((kind, data))
    created_at = timezone.now()
    seq, prev_hash, entries = head.seq, head.hash, []
    for event in events:
        data = _check_event(event, rows[event.piece.pk])
        rows[event.piece.pk].append((event.kind, data))
        seq += 1
        payload = chain.entry_payload(
            seq=seq,
            prev_hash=prev_hash,
            kind=event.kind,
            piece_id=str(event.piece.pk),
            actor_id=event.actor.pk if event.actor is not None else None,
            created_at=created_at,
            data=data,
        )
        entry = LedgerEntry(
            seq=seq,
            piece=event.piece,
            kind=event.kind,
            actor=event.actor,
            data=data,
            created_at=created_at,
            prev_hash=prev_hash,
            hash=chain.entry_hash(payload),
        )
        entries.append(entry)
        prev_hash = entry.hash
    LedgerEntry.objects.bulk_create(entries)
    head.seq, head.hash = seq, prev_hash
    head.save(update_fields=["seq", "hash"])
    return entries


def ledger_append(
    *, piece, kind: str, actor=None, data: Mapping[str, Any] | None = None
) -> LedgerEntry:
    """Append one event to the global chain."""
    event = LedgerEvent(piece=piece, kind=kind, actor=actor, data=data or {})
    return ledger_append_many(events=[event])[0]
