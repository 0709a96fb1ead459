"""Evidence for disputes: images (checked against our watermark and pHash index), PDFs
(by magic bytes, refused if they carry markup or auto-run actions) and links. Images are
re-encoded without metadata (no GPS or camera serial reaches the other party); the SHA-256 of
the bytes as uploaded is kept for forensics. Files go to the private default storage; only
the authorised evidence view streams them back."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from core.errors import ApplicationError, PermissionDeniedError
from core.images import image_without_metadata, open_untrusted_image
from core.uploads import PDF_MAGIC, check_untrusted_pdf, upload_sha256
from disputes.models import Dispute, Evidence, EvidenceKind
from disputes.services.cases import (
    dispute_lock,
    is_party,
    record_event,
    require_open_case,
)
from provenance import phash as ph
from provenance.selectors.records import provenance_identify_image

logger = logging.getLogger(__name__)

MAX_EVIDENCE_PER_DISPUTE = 20


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


@dataclass(frozen=True)
class CleanFile:
    """What is stored for an uploaded file, and the hash of the bytes as they came."""

    kind: str
    content_type: str
    extension: str
    data: bytes
    original_sha256: str
    analysis: dict


def _refusal(error: ValidationError) -> ApplicationError:
    message = error.messages[0]
    if error.code == "invalid_image":
        message = "Upload an image (PNG, JPEG, WebP, GIF) or a PDF."
    return ApplicationError(message, field="file", code=error.code or "invalid")


def _clean_file(upload) -> CleanFile:
    """A checked PDF as it is, or an image re-encoded as a PNG without metadata; or an
    ApplicationError saying why the file is refused."""
    if upload.size > evidence_max_bytes():
        raise _too_large(upload.size)
    original_sha256 = upload_sha256(upload)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    try:
        if head == PDF_MAGIC:
            data = upload.read()
            check_untrusted_pdf(data)
            return CleanFile(EvidenceKind.PDF, "application/pdf", "pdf", data, original_sha256, {})
        image = open_untrusted_image(
            upload, max_bytes=evidence_max_bytes(), max_pixels=evidence_max_pixels()
        )
    except ValidationError as error:
        raise _refusal(error) from None
    clean = image_without_metadata(image)
    analysis = _image_analysis(image)
    return CleanFile(EvidenceKind.IMAGE, "image/png", "png", clean.data, original_sha256, analysis)


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
        clean = _clean_file(upload)
        evidence.kind = clean.kind
        evidence.content_type = clean.content_type
        evidence.size = len(clean.data)
        evidence.sha256 = hashlib.sha256(clean.data).hexdigest()
        evidence.original_sha256 = clean.original_sha256
        evidence.original_name = (getattr(upload, "name", "") or "")[:200]
        evidence.analysis = clean.analysis
    else:
        url = url.strip()
        if urlparse(url).scheme not in ("http", "https"):
            raise ApplicationError("Links must start with http:// or https://.", field="url")
        evidence.kind = EvidenceKind.LINK
        evidence.url = url
    evidence.full_clean(exclude=["file"])  # before the file is written: a refusal stores nothing
    if upload is not None:
        name = f"{dispute.pk}/{uuid.uuid4().hex}.{clean.extension}"
        evidence.file.save(name, ContentFile(clean.data), save=False)
    evidence.save(force_insert=True)
    record_event(
        dispute,
        actor=actor,
        action="evidence_added",
        data={"evidence": evidence.pk, "kind": evidence.kind},
    )
    return evidence


def evidence_needing_cleaning() -> list[int]:
    """Image evidence stored as uploaded, before images were re-encoded (no original hash)."""
    rows = Evidence.objects.filter(kind=EvidenceKind.IMAGE, original_sha256="").exclude(file="")
    return list(rows.order_by("pk").values_list("pk", flat=True))


@transaction.atomic(durable=True)
def evidence_strip_stored_metadata(*, evidence_id: int) -> bool:
    """Re-encode one image stored before uploads were cleaned, so GPS and camera data stop
    reaching the other party. The stored bytes were the upload's, so their hash becomes
    `original_sha256`; the old file is deleted after commit. False when nothing was to do
    (already clean, or the stored file is unreadable: logged and left for a moderator)."""
    evidence = Evidence.objects.select_for_update().filter(pk=evidence_id).first()
    if evidence is None or evidence.kind != EvidenceKind.IMAGE or evidence.original_sha256:
        return False
    storage, old_name = evidence.file.storage, evidence.file.name
    try:
        with storage.open(old_name, "rb") as stored:
            clean = _clean_file(stored)
    except (ApplicationError, OSError) as error:
        logger.warning("Evidence %s not cleaned: %s", evidence.pk, error)
        return False
    evidence.file.save(
        f"{evidence.dispute_id}/{uuid.uuid4().hex}.png", ContentFile(clean.data), save=False
    )
    evidence.content_type, evidence.size = clean.content_type, len(clean.data)
    evidence.original_sha256 = clean.original_sha256
    evidence.sha256 = hashlib.sha256(clean.data).hexdigest()
    evidence.save(update_fields=["file", "content_type", "size", "sha256", "original_sha256"])
    record_event(
        evidence.dispute,
        actor=None,
        action="evidence_cleaned",
        data={"evidence": evidence.pk, "original_sha256": evidence.original_sha256},
        internal=True,
    )
    transaction.on_commit(lambda: storage.delete(old_name))
    return True
