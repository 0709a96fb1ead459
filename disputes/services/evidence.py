"""Evidence for disputes: images (checked against our watermark and pHash index), PDFs
(by magic bytes) and links. Files go to the private default storage; only the authorised
evidence view streams them back."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from core.errors import ApplicationError, PermissionDeniedError
from core.images import open_untrusted_image
from disputes.models import Dispute, Evidence, EvidenceKind
from disputes.services.cases import (
    dispute_lock,
    is_party,
    record_event,
    require_open_case,
)
from provenance import phash as ph
from provenance.selectors.records import provenance_identify_image

MAX_EVIDENCE_PER_DISPUTE = 20
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}


def evidence_max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", 8 * 1024 * 1024))


def evidence_max_pixels() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_PIXELS", 4096 * 4096))


def _too_large(size: int) -> ApplicationError:
    return ApplicationError(
        f"The file is {size / 1_048_576:.1f} MB; the limit is "
        f"{evidence_max_bytes() / 1_048_576:.0f} MB.",
        field="file",
        code="file_too_large",
    )


def _image_analysis(image) -> dict:
    found = provenance_identify_image(image=image)
    mark = found.watermark_record
    return {
        "phash": ph.phash_hex(found.phash),
        "watermark": (
            {
                "piece_id": str(mark.piece_id),
                "creator_id": mark.creator_id,
                "creator_name": mark.creator_name,
                "exact": found.watermark_exact,
            }
            if mark is not None
            else None
        ),
        "matches": [
            {
                "piece_id": str(record.piece_id),
                "creator_id": record.creator_id,
                "creator_name": record.creator_name,
                "distance": distance,
            }
            for record, distance in found.phash_matches
        ],
    }


def _classify(upload) -> tuple[str, str, bytes, dict]:
    """(kind, content type, bytes, analysis) from the file's own bytes, or ApplicationError."""
    if upload.size > evidence_max_bytes():
        raise _too_large(upload.size)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return EvidenceKind.PDF, "application/pdf", upload.read(), {}
    try:
        image = open_untrusted_image(
            upload, max_bytes=evidence_max_bytes(), max_pixels=evidence_max_pixels()
        )
    except ValidationError as error:
        message = error.messages[0]
        if error.code == "invalid_image":
            message = "Upload an image (PNG, JPEG, WebP, GIF) or a PDF."
        raise ApplicationError(message, field="file", code=error.code or "invalid") from None
    upload.seek(0)
    data = upload.read()
    return EvidenceKind.IMAGE, IMAGE_TYPES[image.format], data, _image_analysis(image)


@transaction.atomic(durable=True)
def dispute_evidence_add(
    *, dispute: Dispute, actor, upload=None, url: str = "", description: str = ""
) -> Evidence:
    """Attach one file or one link to a case (parties and moderators, while it is open)."""
    if not (getattr(actor, "is_moderator", False) or is_party(dispute, actor)):
        raise PermissionDeniedError("Only the parties and moderators can add evidence.")
    if (upload is None) == (not url.strip()):
        raise ApplicationError("Attach a file or give a link (one at a time).")
    dispute = dispute_lock(dispute)
    require_open_case(dispute)
    if dispute.evidence.count() >= MAX_EVIDENCE_PER_DISPUTE:
        raise ApplicationError(
            f"A case holds at most {MAX_EVIDENCE_PER_DISPUTE} pieces of evidence.",
            code="too_much_evidence",
        )
    evidence = Evidence(dispute=dispute, uploaded_by=actor, description=description.strip()[:300])
    if upload is not None:
        kind, content_type, data, analysis = _classify(upload)
        extension = {"application/pdf": "pdf"}.get(content_type, content_type.split("/")[-1])
        evidence.kind = kind
        evidence.content_type = content_type
        evidence.size = len(data)
        evidence.sha256 = hashlib.sha256(data).hexdigest()
        evidence.original_name = (getattr(upload, "name", "") or "")[:200]
        evidence.analysis = analysis
        evidence.file.save(
            f"{dispute.pk}/{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False
        )
    else:
        url = url.strip()
        if urlparse(url).scheme not in ("http", "https"):
            raise ApplicationError("Links must start with http:// or https://.", field="url")
        evidence.kind = EvidenceKind.LINK
        evidence.url = url
    evidence.full_clean(exclude=["file"])
    evidence.save(force_insert=True)
    record_event(
        dispute,
        actor=actor,
        action="evidence_added",
        data={"evidence": evidence.pk, "kind": evidence.kind},
    )
    return evidence
