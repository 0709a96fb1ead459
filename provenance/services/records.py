"""Provenance writes: order a stamp (the pure work is provenance/stamp.py), record it, append to
the ledger.

Worker order (see docs in the module's functions):

    stamped = provenance_stamp_image(image=..., piece_id=uuid4(), creator_name=..., engine=...)
    piece = Piece.objects.create(id=stamped.piece_id, original=ContentFile(stamped.original_png,
            stamped.original_name), preview=ContentFile(stamped.preview_bytes,
            stamped.preview_name), sha256=stamped.sha256, ...)
    provenance_record_created(piece=piece, stamped=stamped)      # same transaction as create
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from PIL import Image

from core.errors import ApplicationError
from provenance import ledger as chain
from provenance import phash, signing
from provenance.keypoints import Keypoints
from provenance.models import (
    WATERMARK_ID_MAX,
    KeypointFingerprint,
    LedgerHead,
    LedgerKind,
    PhashIndex,
    ProvenanceRecord,
)
from provenance.selectors.edits import provenance_ancestors
from provenance.selectors.records import phash_near_duplicates
from provenance.services.edits import edit_ledger_data, edit_parents_check, edit_record_fields
from provenance.services.ledger import LedgerEvent, ledger_append_many
from provenance.stamp import EditFacts, StampedImage, StampOrder, stamp_image

DEFAULT_LICENCE_SUMMARY = (
    "Licensed on Promptfolio under contractual terms; no copyright is claimed in AI output."
)


class WatermarkCollision(ApplicationError):
    """Another piece took this watermark id between stamping and recording: stamp again."""

    def __init__(self) -> None:
        super().__init__("Watermark id already in use; stamp the image again.", code="collision")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def piece_verify_url(piece_id: uuid.UUID) -> str:
    try:
        path = reverse("provenance:verify_piece", kwargs={"piece_id": piece_id})
    except NoReverseMatch:
        path = f"/verify/{piece_id}/"
    return _setting("SITE_URL", "http://127.0.0.1:8000").rstrip("/") + path


def _signing_identity() -> signing.SigningIdentity:
    """Load the identity; create it first only where PROVENANCE_SIGNING_AUTO_INIT allows
    (local/test). In production a missing key must fail loudly: a silently new key would
    split the trust chain of everything signed before."""
    try:
        return signing.load_signing_identity()
    except signing.SigningIdentityMissing:
        if not _setting("PROVENANCE_SIGNING_AUTO_INIT", False):
            raise
        signing.init_signing_identity()
        return signing.load_signing_identity()


def watermark_id_allocate() -> int:
    """A random 32-bit id not yet used (uniqueness is enforced again when recording)."""
    for _ in range(8):
        value = secrets.randbelow(WATERMARK_ID_MAX + 1)
        if not ProvenanceRecord.objects.filter(watermark_id=value).exists():
            return value
    raise ApplicationError("Could not allocate a watermark id.", code="watermark_exhausted")


def provenance_stamp_order(
    *,
    piece_id: uuid.UUID,
    creator_name: str,
    engine: Mapping[str, Any],
    licence_summary: str = DEFAULT_LICENCE_SUMMARY,
    piece_url: str | None = None,
    edit: EditFacts | None = None,
) -> StampOrder:
    """Decide from the database and settings everything `stamp_image` needs. Writes nothing
    (except a first signing identity where PROVENANCE_SIGNING_AUTO_INIT allows).

    `engine` needs name, version and weights_hash (engine.describe() or the job's fields);
    its model card, when it has one, goes into the signed manifest.
    """
    identity = _signing_identity()
    return StampOrder(
        piece_id=piece_id,
        watermark_id=watermark_id_allocate(),
        ledger_anchor=LedgerHead.objects.values_list("hash", flat=True).first() or chain.GENESIS,
        piece_url=piece_url or piece_verify_url(piece_id),
        creator_name=creator_name,
        engine={key: str(engine.get(key, "")) for key in ("name", "version", "weights_hash")},
        licence_summary=licence_summary,
        claim_generator=_setting("PROVENANCE_CLAIM_GENERATOR", "Promptfolio"),
        claim_generator_version=_setting("PROVENANCE_CLAIM_GENERATOR_VERSION", "0.1.0"),
        signing_dir=str(identity.directory),
        edit=edit,
        model_card=dict(engine.get("model_card") or {}) or None,
    )


def provenance_stamp_image(
    *,
    image: Image.Image,
    piece_id: uuid.UUID,
    creator_name: str,
    engine: Mapping[str, Any],
    licence_summary: str = DEFAULT_LICENCE_SUMMARY,
    piece_url: str | None = None,
    edit: EditFacts | None = None,
) -> StampedImage:
    """Order a stamp and run it in this process (`provenance.stamp.stamp_image`)."""
    order = provenance_stamp_order(
        piece_id=piece_id,
        creator_name=creator_name,
        engine=engine,
        licence_summary=licence_summary,
        piece_url=piece_url,
        edit=edit,
    )
    return stamp_image(order, image)


def provenance_record_created(
    *, piece, stamped: StampedImage, prompt_public: bool = False
) -> ProvenanceRecord:
    """Write the record, the pHash index row and the "created" ledger entry for `piece`."""
    return provenance_records_created(items=[(piece, stamped)], prompt_public=prompt_public)[0]


@transaction.atomic
def provenance_records_created(
    *, items: Sequence[tuple[Any, StampedImage]], prompt_public: bool = False
) -> list[ProvenanceRecord]:
    """Records, pHash index rows and "created" ledger entries for freshly stored pieces, in
    a few statements for the lot (a worker completes a job's pieces together).

    Idempotent: a piece that already has a record for the same bytes keeps it.
    Raises WatermarkCollision (retry with a fresh stamp) if a watermark id got taken.
    An edit's record and entry name its parent (`provenance.services.edits`).
    """
    edit_parents_check(stamped=[stamped for _, stamped in items])
    for piece, stamped in items:
        if stamped.piece_id != piece.id:
            raise ApplicationError("The stamped image belongs to another piece.", code="mismatch")
        if piece.sha256 and piece.sha256 != stamped.sha256:
            raise ApplicationError("The stored original is not the stamped file.", code="mismatch")
    existing = {
        record.piece_id: record
        for record in ProvenanceRecord.objects.filter(piece__in=[piece for piece, _ in items])
    }
    for piece, stamped in items:
        if piece.pk in existing and existing[piece.pk].sha256 != stamped.sha256:
            raise ApplicationError("This piece already has a different record.", code="exists")
    fresh = [(piece, stamped) for piece, stamped in items if piece.pk not in existing]
    records = [_record(piece, stamped, prompt_public) for piece, stamped in fresh]
    try:
        with transaction.atomic():
            ProvenanceRecord.objects.bulk_create(records)
    except IntegrityError as exc:
        taken = [stamped.watermark_id for _, stamped in fresh]
        if ProvenanceRecord.objects.filter(watermark_id__in=taken).exists():
            raise WatermarkCollision() from exc
        raise
    PhashIndex.objects.bulk_create(
        PhashIndex(piece=piece, owner=piece.owner, phash=stamped.phash, **_chunks(stamped))
        for piece, stamped in fresh
    )
    KeypointFingerprint.objects.bulk_create(
        KeypointFingerprint(
            piece=piece, data=stamped.keypoints, count=len(Keypoints.from_bytes(stamped.keypoints))
        )
        for piece, stamped in fresh
        if stamped.keypoints
    )
    ledger_append_many(
        events=[
            LedgerEvent(
                piece=piece,
                kind=LedgerKind.CREATED,
                actor=piece.owner,
                data=_created_entry(piece, stamped),
            )
            for piece, stamped in fresh
        ]
    )
    made = {record.piece_id: record for record in records}
    return [existing.get(piece.pk) or made[piece.pk] for piece, _ in items]


def _chunks(stamped: StampedImage) -> dict[str, int]:
    return dict(zip(("c0", "c1", "c2", "c3"), phash.chunks(stamped.phash), strict=True))


def _record(piece, stamped: StampedImage, prompt_public: bool) -> ProvenanceRecord:
    job, owner = piece.job, piece.owner
    style = job.style_version
    record = ProvenanceRecord(
        piece=piece,
        job=job,
        creator=owner,
        creator_name=owner.public_name,
        prompt=job.prompt,
        prompt_public=prompt_public,
        negative_prompt=job.negative_prompt,
        seed=piece.seed,
        width=piece.width,
        height=piece.height,
        steps=job.steps,
        guidance=job.guidance,
        style_version=style,
        style_params_sha256=style.params_sha256 if style else "",
        engine_name=stamped.engine["name"] or job.engine,
        engine_version=stamped.engine["version"] or job.engine_version,
        engine_weights_hash=stamped.engine["weights_hash"],
        sha256=stamped.sha256,
        output_sha256=stamped.output_sha256,
        pixel_sha256=stamped.pixel_sha256,
        phash=stamped.phash,
        iscc_code=stamped.iscc_code,
        watermark_id=stamped.watermark_id,
        c2pa_manifest_id=stamped.manifest_id,
        signer_fingerprint=stamped.signer_fingerprint,
        ledger_anchor=stamped.ledger_anchor,
        licence_summary=stamped.licence_summary,
        **edit_record_fields(stamped.edit),
    )
    # Field checks only: the related rows are the saved objects in hand, and the database
    # enforces keys and check constraints at insert (Django would spend a query on each).
    record.full_clean(
        exclude=["watermark_id", "piece", "job", "creator", "style_version", "parent"],
        validate_constraints=False,
    )
    return record


def _created_entry(piece, stamped: StampedImage) -> dict[str, Any]:
    style = piece.job.style_version
    created = {}
    if style is not None:
        created["style"] = {
            "style_id": str(style.style_id),
            "version": style.number,
            "params_sha256": style.params_sha256,
            "creator": style.style.creator_id,
            "commissioned_by": piece.owner.pk,
        }
        if style.adapter_key:  # LoRA adapters the version applied, by file hash
            created["style"]["adapters"] = sorted(style.adapters.values_list("sha256", flat=True))
    return {
        "sha256": stamped.sha256,
        "pixel_sha256": stamped.pixel_sha256,
        "output_sha256": stamped.output_sha256,
        "phash": phash.phash_hex(stamped.phash),
        "watermark_id": stamped.watermark_id,
        "c2pa_manifest_id": stamped.manifest_id,
        "signer": stamped.signer_fingerprint,
        "ledger_anchor": stamped.ledger_anchor,
        "engine": stamped.engine,
        "seed": piece.seed,
        "licence": stamped.licence_summary,
        **created,
        **edit_ledger_data(stamped.edit),
    }


@transaction.atomic
def provenance_set_prompt_public(*, record: ProvenanceRecord, actor, public: bool):
    """Only the creator decides whether the prompt is shown on the public verify page."""
    if actor.pk != record.creator_id:
        raise ApplicationError("Only the creator can change this.", code="permission_denied")
    record.prompt_public = public
    record.save(update_fields=["prompt_public"])
    return record


def provenance_listing_check(*, piece) -> list:
    """Near-duplicates of `piece` owned by others; raises when settings say to block.

    PHASH_NEAR_DUPLICATE_ACTION = "warn" (default: return them) or "block" (raise).
    A declared edit is not a near-duplicate of the pieces it was edited from: its ancestors
    are left out (whether it may be sold is the derivative-resale rule's question).
    """
    entry = PhashIndex.objects.filter(piece=piece).first()
    if entry is None:
        return []
    ancestors = [step.piece_id for step in provenance_ancestors(piece_id=piece.pk)]
    matches = phash_near_duplicates(
        phash=entry.phash,
        exclude_owner=piece.owner,
        exclude_piece_id=piece.pk,
        exclude_piece_ids=ancestors,
    )
    if matches and _setting("PHASH_NEAR_DUPLICATE_ACTION", "warn") == "block":
        raise ApplicationError(
            "This image is nearly identical to another creator's piece.", code="near_duplicate"
        )
    return matches
