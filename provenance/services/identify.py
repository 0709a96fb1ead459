"""Is an uploaded picture one of our pieces? For linking uploads as parents (and refusing
uploads of other creators' pieces): by our signed manifest, else our watermark, else pHash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile

from core.images import open_untrusted_image
from provenance import c2pa_manifest, signing
from provenance import phash as ph
from provenance.models import ProvenanceRecord
from provenance.selectors.records import provenance_identify_image


@dataclass(frozen=True)
class UploadOrigin:
    piece_id: uuid.UUID
    matched_by: str  # "manifest", "watermark" or "phash"
    owner_id: int  # the piece's owner now
    distance: int = 0  # pHash bits apart (0 for a manifest or an exact watermark)


def provenance_identify_upload(*, data: bytes) -> UploadOrigin | None:
    """Which piece `data` is, or None. Only a manifest chained to our root counts: anyone
    can write our assertion's label into a manifest signed with their own key.

    Raises ValidationError for a file that is not a safe image (as the verify page does).
    """
    image = open_untrusted_image(
        ContentFile(data),
        max_bytes=getattr(settings, "PROVENANCE_VERIFY_MAX_BYTES", 8 * 1024 * 1024),
        max_pixels=getattr(settings, "PROVENANCE_VERIFY_MAX_PIXELS", 4096 * 4096),
    )
    piece_id = _piece_by_manifest(data)
    origin = _origin(piece_id, "manifest", 0) if piece_id is not None else None
    if origin is not None:
        return origin
    found = provenance_identify_image(image=image)
    if found.watermark_record is not None:
        record = found.watermark_record
        return _origin(record.piece_id, "watermark", ph.distance(found.phash, record.phash))
    if found.phash_matches:
        record, distance = found.phash_matches[0]
        return _origin(record.piece_id, "phash", distance)
    return None


def _piece_by_manifest(data: bytes) -> uuid.UUID | None:
    mime = c2pa_manifest.sniff_mime(data)
    if mime is None:
        return None
    try:
        root = signing.load_signing_identity().trust_anchors_pem
    except signing.SigningIdentityMissing:
        return None
    status = c2pa_manifest.read(data, mime_type=mime, trust_root_pem=root)
    if status.state != "Trusted":
        return None
    try:
        return uuid.UUID(str(status.assertion.get("piece_id", "")))
    except ValueError:
        return None


def _origin(piece_id: uuid.UUID, matched_by: str, distance: int) -> UploadOrigin | None:
    rows = ProvenanceRecord.objects.filter(pk=piece_id)
    owner_id = rows.values_list("piece__owner_id", flat=True).first()
    if owner_id is None:
        return None
    return UploadOrigin(
        piece_id=piece_id, matched_by=matched_by, owner_id=owner_id, distance=distance
    )
