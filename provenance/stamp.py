"""Stamp one image (watermark → hashes → PNG with XMP → C2PA → preview), with no Django.

Everything the database decides comes in a `StampOrder` (built by
`provenance.services.records.provenance_stamp_order`), so a worker can hand the CPU work to
a process pool whose children never call `django.setup()`:

    with ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")) as pool:
        stamped = pool.submit(stamp_image, order, image).result()

Each process loads the signing identity once per directory and keeps one c2pa Signer.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from provenance import c2pa_manifest, identity, iscc, keypoints, phash, watermark, xmp

PREVIEW_MAX_SIDE = 768
PREVIEW_QUALITY = 85


@dataclass(frozen=True)
class EditFacts:
    """How an edited piece came from its source, for its manifest, record and ledger entry.

    `human` names what a person contributed: "parent" (chose the piece to start from),
    "mask" (painted what to change), "upload" (supplied the picture). Purely AI output is not
    copyrightable in the US, human edits may be, so the record keeps them apart.
    """

    kind: str  # variation, image, inpaint, upscale (generation.engines.EDIT_KINDS) or upload
    parent_piece_id: str | None = None  # a Promptfolio piece the edit started from
    parent_original: bytes | None = field(default=None, repr=False)  # its stored file
    strength: float | None = None
    upscale: int | None = None
    mask_sha256: str = ""
    upload_sha256: str = ""
    human: tuple[str, ...] = ()

    def without_parent_file(self) -> EditFacts:
        """What travels on to the record (the parent's bytes are only for the ingredient)."""
        return replace(self, parent_original=None)

    def summary(self) -> dict[str, Any]:
        """The facts as JSON values: the manifest's "edit" block says the same as the record."""
        return {
            "kind": self.kind,
            "parent_piece_id": self.parent_piece_id,
            "strength": self.strength,
            "upscale": self.upscale,
            "mask_sha256": self.mask_sha256,
            "upload_sha256": self.upload_sha256,
            "human": list(self.human),
        }

    @property
    def ingredient_title(self) -> str:
        if self.parent_piece_id:
            return f"Promptfolio piece {self.parent_piece_id}"
        return "Uploaded picture"


@dataclass(frozen=True)
class StampOrder:
    """What stamping needs from the database and settings; plain values, so it pickles."""

    piece_id: uuid.UUID
    watermark_id: int
    ledger_anchor: str
    piece_url: str
    creator_name: str
    engine: dict[str, str]  # name, version, weights_hash
    licence_summary: str
    claim_generator: str
    claim_generator_version: str
    signing_dir: str
    edit: EditFacts | None = None
    model_card: dict | None = None  # the engine's card, carried in the signed manifest


@dataclass(frozen=True)
class StampedImage:
    """What a worker stores and passes to `provenance_record_created`."""

    piece_id: uuid.UUID
    original_png: bytes
    preview_bytes: bytes
    sha256: str  # of original_png, the exact bytes stored
    output_sha256: str  # of the engine's pixels before the watermark
    pixel_sha256: str  # of the marked pixels
    phash: int
    iscc_code: str  # ISCC image code of the marked pixels (soft binding io.iscc.v0)
    watermark_id: int
    manifest_id: str
    preview_manifest_id: str
    signer_fingerprint: str
    ledger_anchor: str
    licence_summary: str
    engine: dict[str, str]
    edit: EditFacts | None = None  # without the parent's file
    keypoints: bytes = b""  # provenance.keypoints of the marked pixels
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def original_name(self) -> str:
        return f"{self.piece_id}.png"

    @property
    def preview_name(self) -> str:
        """Content-addressed (sha256 of the bytes): the key is cached as immutable
        (core.media), so a new rendition can never be served under an old name."""
        return f"{hashlib.sha256(self.preview_bytes).hexdigest()}.jpg"

    preview_content_type = "image/jpeg"


class _Laps:
    """Milliseconds per stage, recorded in StampedImage.timings_ms (the bench reads them)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round((now - self._clock) * 1000, 2)
        self._clock = now


def _assertion(order: StampOrder, pixel_sha256: str) -> dict:
    edit = {"edit": order.edit.summary()} if order.edit else {}
    return {
        "piece_id": str(order.piece_id),
        "piece_url": order.piece_url,
        "creator": order.creator_name,
        "pixel_sha256": pixel_sha256,
        "ledger_anchor": order.ledger_anchor,
        "licence": order.licence_summary,
        "watermark": {"method": "dwtDctSvd", "bits": watermark.BITS, "id": order.watermark_id},
        "engine": order.engine,
        **({"model_card": order.model_card} if order.model_card else {}),
        **edit,
    }


def _source_type(order: StampOrder) -> str:
    return xmp.digital_source_type(order.edit.human if order.edit else ())


def _edit_kind(order: StampOrder) -> str | None:
    """The edit kind the manifest states, when there is a parent file to open."""
    if order.edit is None or order.edit.parent_original is None:
        return None
    return order.edit.kind


def _sign(order: StampOrder, data: bytes, manifest: dict, signing_identity, mime_type: str):
    edit = order.edit
    return c2pa_manifest.sign(
        data,
        manifest,
        signing_identity,
        mime_type=mime_type,
        parent=edit.parent_original if edit else None,
        parent_title=edit.ingredient_title if edit else "",
    )


def _manifest(order: StampOrder, assertion: dict, *, preview: bool, iscc_code: str) -> dict:
    """The preview carries the original's soft bindings: they name the piece, not the file."""
    return c2pa_manifest.build_manifest(
        title=f"Promptfolio piece {order.piece_id}" + (" (preview)" if preview else ""),
        claim_generator=order.claim_generator,
        claim_generator_version=order.claim_generator_version,
        engine=order.engine,
        assertion=assertion,
        mime_type="image/jpeg" if preview else "image/png",
        source_type=_source_type(order),
        edit_kind=_edit_kind(order),
        soft_bindings=c2pa_manifest.soft_bindings(
            watermark_id=order.watermark_id, iscc_code=iscc_code
        ),
    )


def _preview(marked: Image.Image, watermark_id: int) -> Image.Image:
    """The marked image, or a downscaled copy marked again (the mark is size-independent)."""
    if max(marked.size) <= PREVIEW_MAX_SIDE:
        return marked
    preview = marked.copy()
    preview.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.LANCZOS)
    return watermark.embed(preview, watermark_id)


def _rgb_pixels(image: Image.Image) -> np.ndarray:
    """The image's RGB pixels as a uint8 array, converting only when it is not RGB yet."""
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def stamp_image(order: StampOrder, image: Image.Image) -> StampedImage:
    """Watermark, then XMP, then sign (C2PA last) the original and a preview. Writes nothing.

    An edit's original and preview both carry the parent's file as their parentOf ingredient.
    """
    laps = _Laps()
    signing_identity = identity.load_signing_identity(Path(order.signing_dir))
    pixels = _rgb_pixels(image)
    marked_pixels = watermark.embed_array(pixels, order.watermark_id)
    marked = Image.fromarray(marked_pixels, mode="RGB")
    laps("watermark")
    output_sha256 = phash.pixels_sha256(pixels)
    pixel_sha256 = phash.pixels_sha256(marked_pixels)
    perceptual = phash.phash_int(marked)
    iscc_code = iscc.image_code(marked)
    features = keypoints.extract(marked).to_bytes()
    laps("hashes")

    packet = xmp.build_packet(
        xmp.XmpFields(
            creator=order.creator_name,
            piece_url=order.piece_url,
            piece_id=str(order.piece_id),
            digital_source_type=_source_type(order),
        )
    )
    png = xmp.encode_png(marked_pixels, packet)
    laps("xmp_png")
    assertion = _assertion(order, pixel_sha256)
    manifest = _manifest(order, assertion, preview=False, iscc_code=iscc_code)
    original, manifest_id = _sign(order, png, manifest, signing_identity, "image/png")
    laps("c2pa_png")

    jpeg = xmp.encode_jpeg(_preview(marked, order.watermark_id), packet, quality=PREVIEW_QUALITY)
    preview_manifest = _manifest(
        order,
        {**assertion, "rendition": "preview", "pixel_sha256": None},
        preview=True,
        iscc_code=iscc_code,
    )
    preview_bytes, preview_manifest_id = _sign(
        order, jpeg, preview_manifest, signing_identity, "image/jpeg"
    )
    laps("preview")

    return StampedImage(
        piece_id=order.piece_id,
        original_png=original,
        preview_bytes=preview_bytes,
        sha256=hashlib.sha256(original).hexdigest(),
        output_sha256=output_sha256,
        pixel_sha256=pixel_sha256,
        phash=perceptual,
        iscc_code=iscc_code,
        watermark_id=order.watermark_id,
        manifest_id=manifest_id,
        preview_manifest_id=preview_manifest_id,
        signer_fingerprint=signing_identity.fingerprint,
        ledger_anchor=order.ledger_anchor,
        licence_summary=order.licence_summary,
        engine=order.engine,
        edit=order.edit.without_parent_file() if order.edit else None,
        keypoints=features,
        timings_ms=laps.timings,
    )
