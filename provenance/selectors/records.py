"""Provenance reads: records, ledger history, pHash near-duplicates, identifying an image."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from PIL import Image

from provenance import c2pa_manifest, signing, watermark
from provenance import ledger as chain
from provenance import phash as ph
from provenance.models import LedgerEntry, LedgerHead, PhashIndex, ProvenanceRecord
from provenance.selectors.keypoints import KeypointMatch

DEFAULT_NEAR_DUPLICATE_DISTANCE = 6
WATERMARK_FLIPS = 8  # also try the 2**8 readings that differ in the least confident bits
WATERMARK_FUZZY_PHASH = 12  # a fuzzy watermark hit must also look alike


def near_duplicate_distance() -> int:
    return int(getattr(settings, "PHASH_NEAR_DUPLICATE_DISTANCE", DEFAULT_NEAR_DUPLICATE_DISTANCE))


@dataclass(frozen=True)
class NearDuplicate:
    piece_id: uuid.UUID
    owner_id: int
    distance: int


def phash_near_duplicates(
    *,
    phash: int,
    max_distance: int | None = None,
    exclude_owner=None,
    exclude_piece_id=None,
    exclude_piece_ids: Collection = (),
    limit: int = 20,
) -> list[NearDuplicate]:
    """Pieces whose pHash is within `max_distance` bits, nearest first (index lookups only).

    Complete up to the requested distance: the chunk probe radius is chosen from it
    (see provenance.phash).
    """
    max_distance = near_duplicate_distance() if max_distance is None else max_distance
    columns = ("c0", "c1", "c2", "c3")
    condition = reduce(
        or_,
        (
            Q(**{f"{col}__in": values}) if len(values) > 1 else Q(**{col: values[0]})
            for col, values in zip(columns, ph.probes(phash, max_distance), strict=True)
        ),
    )
    rows = PhashIndex.objects.filter(condition)
    if exclude_owner is not None:
        rows = rows.exclude(owner=exclude_owner)
    if exclude_piece_id is not None:
        rows = rows.exclude(piece_id=exclude_piece_id)
    if exclude_piece_ids:
        rows = rows.exclude(piece_id__in=list(exclude_piece_ids))
    found = [
        NearDuplicate(piece_id=pid, owner_id=oid, distance=ph.distance(phash, value))
        for pid, oid, value in rows.values_list("piece_id", "owner_id", "phash")
    ]
    found = [item for item in found if item.distance <= max_distance]
    found.sort(key=lambda item: (item.distance, str(item.piece_id)))
    return found[:limit]


def provenance_record_get(*, piece_id) -> ProvenanceRecord | None:
    return (
        ProvenanceRecord.objects.select_related("piece", "creator", "job")
        .filter(piece_id=piece_id)
        .first()
    )


def ledger_entries_for_piece(*, piece_id) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(piece_id=piece_id).select_related("actor"))


def ledger_head(*, database: str = "default") -> tuple[int, str]:
    head = LedgerHead.objects.using(database).filter(id=1).values_list("seq", "hash").first()
    return head or (0, chain.GENESIS)


def ledger_verify(*, database: str = "default") -> chain.ChainReport:
    """Recompute the whole chain (streamed in seq order) and compare the head row with it.
    `database` names another connection, e.g. a restored copy (manage.py restore_check)."""
    entries = LedgerEntry.objects.using(database).order_by("seq").iterator(chunk_size=2000)
    report = chain.verify_chain(entries)
    if report.ok:
        seq, head_hash = ledger_head(database=database)
        if (seq, head_hash) != (report.checked, report.head_hash):
            return chain.ChainReport(
                report.checked, report.head_hash, seq, "ledger head does not match the chain"
            )
    return report


def provenance_manifest_status(*, record: ProvenanceRecord) -> c2pa_manifest.ManifestStatus:
    """Validate the stored original's C2PA manifest against our current and retired roots
    (cached per file: a rotation leaves earlier verdicts true)."""
    key = f"licensing:c2pa:{record.sha256}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        root = signing.load_signing_identity().trust_anchors_pem
    except signing.SigningIdentityMissing:
        root = None
    try:
        with record.piece.original.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        return c2pa_manifest.ManifestStatus(state="Missing", failures=["original not found"])
    status = c2pa_manifest.read(data, mime_type="image/png", trust_root_pem=root)
    cache.set(key, status, 3600)
    return status


def provenance_manifest_store(*, record: ProvenanceRecord) -> bytes | None:
    """The stored original's JUMBF manifest store, for a copy that lost its own."""
    try:
        with record.piece.original.open("rb") as handle:
            return c2pa_manifest.manifest_store(handle.read())
    except (FileNotFoundError, OSError):
        return None


@dataclass(frozen=True)
class Identification:
    watermark_value: int
    watermark_strength: float
    watermark_record: ProvenanceRecord | None = None
    watermark_exact: bool = False
    phash: int = 0
    phash_matches: list[tuple[ProvenanceRecord, int]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.watermark_record is not None or bool(self.phash_matches)

    @property
    def best(self) -> tuple[ProvenanceRecord, str] | None:
        """The piece this most likely is and how we know: "watermark" or "fingerprint"."""
        if self.watermark_record is not None:
            return self.watermark_record, "watermark"
        if self.phash_matches:
            return self.phash_matches[0][0], "fingerprint"
        return None

    @property
    def matches(self) -> list[PieceMatch]:
        """Every piece any signal points at, with each signal's confidence, surest first."""
        by_piece: dict = {}

        def note(record: ProvenanceRecord, signal: Signal) -> None:
            by_piece.setdefault(record.piece_id, PieceMatch(record, [])).signals.append(signal)

        if self.watermark_record is not None:
            exact = self.watermark_exact
            detail = "read exactly" if exact else "partly damaged, confirmed by its pHash"
            note(self.watermark_record, Signal("watermark", 0.99 if exact else 0.9, detail))
        for record, distance in self.phash_matches:
            confidence = round(max(0.0, 1 - distance / 16), 2)
            note(record, Signal("fingerprint", confidence, f"pHash {distance} bits apart"))
        return sorted(by_piece.values(), key=lambda m: -m.confidence)


@dataclass(frozen=True)
class Signal:
    kind: str  # watermark or fingerprint (pHash)
    confidence: float  # 0–1
    detail: str


@dataclass(frozen=True)
class PieceMatch:
    record: ProvenanceRecord
    signals: list[Signal]

    @property
    def confidence(self) -> float:
        return max(signal.confidence for signal in self.signals)


@dataclass(frozen=True)
class RecoveredManifest:
    """Our stored manifest for an identified copy whose own was stripped."""

    record: ProvenanceRecord
    matched_by: str  # "watermark", "fingerprint" or "keypoints"
    status: c2pa_manifest.ManifestStatus


def provenance_recover_manifest(
    *, identification: Identification | None = None, keypoint_match: KeypointMatch | None = None
) -> RecoveredManifest | None:
    """The identified piece's manifest as we keep it (its stored original, validated): the
    watermark's or fingerprint's piece, or else the best keypoint match's."""
    best = identification.best if identification is not None else None
    if best is None and keypoint_match is not None:
        best = keypoint_match.record, "keypoints"
    if best is None:
        return None
    record, matched_by = best
    return RecoveredManifest(
        record=record, matched_by=matched_by, status=provenance_manifest_status(record=record)
    )


def provenance_identify_image(*, image: Image.Image) -> Identification:
    """Who made this image, by the signals cheap enough for a request: watermark first
    (exact, then fuzzy + pHash), then pHash alone. Crops, mirror images and rotations need
    the keypoint search, which runs on the lookup worker (services.lookups)."""
    image = image.convert("RGB")
    perceptual = ph.phash_int(image)
    reading = watermark.decode(image)
    candidates = reading.candidates(WATERMARK_FLIPS)
    by_id = {
        r.watermark_id: r
        for r in ProvenanceRecord.objects.select_related("creator", "piece").filter(
            watermark_id__in=candidates
        )
    }
    found, exact = None, False
    for rank, value in enumerate(candidates):
        record = by_id.get(value)
        if record is None:
            continue
        if rank == 0 or ph.distance(record.phash, perceptual) <= WATERMARK_FUZZY_PHASH:
            found, exact = record, rank == 0
            break
    near = phash_near_duplicates(phash=perceptual)
    records = ProvenanceRecord.objects.select_related("creator", "piece").in_bulk(
        [item.piece_id for item in near]
    )
    matches = [(records[item.piece_id], item.distance) for item in near if item.piece_id in records]
    return Identification(
        watermark_value=reading.value,
        watermark_strength=reading.strength,
        watermark_record=found,
        watermark_exact=exact,
        phash=perceptual,
        phash_matches=matches,
    )
