"""Image-to-image from an uploaded picture: an ordinary edit job whose source is the upload.

The upload passes the hardened image checks (`core.images.open_untrusted_image`; PNG, JPEG
or WebP), then provenance says whether it is one of our pieces. One of ours becomes the
job's `parent_piece`, and another creator's piece needs the same right to derive as the edit
page (`may_derive`). The uploaded file is stored privately exactly as received: the worker
and `manage.py reproduce` fit it to the job's size as the init image (`edits.fit_source`),
and it is the C2PA ingredient of the result, so its marks and manifest are carried, never
stripped. A refusal stores no row and no file.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from PIL import Image

from core.errors import ApplicationError
from core.images import open_untrusted_image
from generation.engines import GenerationRequest
from generation.models import GenerationJob, Piece, PromptSource
from generation.selectors.pieces import piece_editable_by
from generation.services.edits import edit_unavailable_reason, fit_source
from generation.services.engines import EngineSpec, engine_spec
from generation.services.jobs import enqueue, job_record_event
from generation.services.prompt_reviews import prompt_screen
from generation.services.quotas import job_check_quotas
from provenance.services.identify import provenance_identify_upload

UPLOAD_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
UPLOAD_MAX_BYTES = 8 * 1024 * 1024
UPLOAD_MAX_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class UploadSpec:
    """What to make from an uploaded picture; `size` None picks the engine's supported size
    closest to the picture's shape."""

    prompt: str
    strength: float
    negative_prompt: str = ""
    engine: str | None = None
    size: tuple[int, int] | None = None
    steps: int | None = None
    seed: int | None = None


def job_create_from_upload(*, owner, upload, spec: UploadSpec) -> GenerationJob:
    """Queue one image-to-image job starting from `upload` (an uploaded file).

    Input shape, the engine, the image checks and the picture's origin are checked first;
    the text is screened outside the transaction, as for every commission.
    """
    if spec.strength is None or not 0.0 <= float(spec.strength) <= 1.0:
        raise ApplicationError(
            f"Strength must be between 0 and 1; got {spec.strength}.", field="strength"
        )
    if not spec.prompt.strip():
        raise ApplicationError("Prompt must not be empty.", field="prompt")
    engine = _upload_engine(spec.engine)
    data, image = _read_upload(upload)
    size = spec.size or closest_size(engine, image.size)
    if size not in engine.supported_sizes:
        sizes = ", ".join(f"{w}×{h}" for w, h in engine.supported_sizes)
        raise ApplicationError(f"Model {engine.label} makes {sizes}.", field="size")
    parent = _upload_parent(data, owner)
    prompt_screen(
        user=owner,
        prompt=spec.prompt.strip(),
        negative_prompt=spec.negative_prompt.strip(),
        source=PromptSource.COMMISSION,
    )
    return _upload_insert(
        owner=owner, spec=spec, engine=engine, data=data, image=image, size=size, parent=parent
    )


def _upload_engine(name: str | None) -> EngineSpec:
    try:
        engine = engine_spec(name)
    except ValueError as error:
        raise ApplicationError(str(error), field="engine") from None
    reason = edit_unavailable_reason(spec=engine, kind="image")
    if reason:
        raise ApplicationError(reason, field="engine")
    return engine


def _read_upload(upload) -> tuple[bytes, Image.Image]:
    """The upload's bytes and image, after the hardened checks, or ApplicationError why not."""
    try:
        image = open_untrusted_image(
            upload,
            max_bytes=getattr(settings, "GENERATION_UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES),
            max_pixels=getattr(settings, "GENERATION_UPLOAD_MAX_PIXELS", UPLOAD_MAX_PIXELS),
        )
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="image") from None
    if image.format not in UPLOAD_FORMATS:
        raise ApplicationError("Upload a PNG, JPEG or WebP picture.", field="image")
    upload.seek(0)
    return upload.read(), image


def closest_size(engine: EngineSpec, size: tuple[int, int]) -> tuple[int, int]:
    """The engine's supported size nearest the picture's aspect ratio, then nearest its
    pixel count, so the centre crop of `fit_source` cuts and rescales as little as it can."""
    ratio, area = math.log(size[0] / size[1]), math.log(size[0] * size[1])
    return min(
        engine.supported_sizes,
        key=lambda wh: (
            round(abs(math.log(wh[0] / wh[1]) - ratio), 6),
            abs(math.log(wh[0] * wh[1]) - area),
        ),
    )


def _upload_parent(data: bytes, owner) -> Piece | None:
    """The piece the upload is, when it is one of ours and `owner` may derive from it."""
    try:
        origin = provenance_identify_upload(data=data)
    except ValidationError as error:
        raise ApplicationError(error.messages[0], field="image") from None
    if origin is None:
        return None
    piece = Piece.objects.select_related("job__style_version__style").get(pk=origin.piece_id)
    if not piece_editable_by(user=owner, piece=piece):
        raise ApplicationError(
            "This picture is another creator's Promptfolio piece. You may start from it only "
            "with a licence of it whose terms allow derivatives (standard, extended or "
            "exclusive).",
            field="image",
            code="permission_denied",
        )
    style = piece.job.style_version.style if piece.job.style_version_id else None
    if style is not None and style.creator_id != owner.pk:
        raise ApplicationError(
            "This picture was made in a creator's style, which is paid per run; commission "
            "the style again for new images in it.",
            field="image",
            code="permission_denied",
        )
    return piece


@transaction.atomic(durable=True)
def _upload_insert(
    *, owner, spec: UploadSpec, engine: EngineSpec, data: bytes, image, size, parent
) -> GenerationJob:
    """Check the request against the engine, then write the job, the file and the first
    history row; the file is written last and removed when the insert fails."""
    request = GenerationRequest(
        prompt=spec.prompt.strip(),
        negative_prompt=spec.negative_prompt.strip(),
        seed=spec.seed if spec.seed is not None else secrets.randbelow(2**32),
        width=size[0],
        height=size[1],
        steps=spec.steps,
        edit="image",
        init_image=fit_source(image, size),
        strength=float(spec.strength),
    )
    try:
        engine.validate(request)
    except ValueError as error:
        raise ApplicationError(str(error)) from None
    job_check_quotas(owner=owner, images=1)
    steps = engine.resolve_steps(request)
    job = GenerationJob(
        owner=owner,
        engine=engine.name,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        seed=request.seed,
        width=request.width,
        height=request.height,
        steps=steps,
        count=1,
        edit_kind="image",
        parent_piece=parent,
        strength=request.strength,
        source_sha256=hashlib.sha256(data).hexdigest(),
        progress_total=steps,
    )
    job.source_upload.name = "uploads/pending"  # full_clean needs a name; the real one below
    job.full_clean()
    return _save_with_upload(job, data, image.format, owner)


def _save_with_upload(job: GenerationJob, data: bytes, fmt: str, owner) -> GenerationJob:
    job.source_upload.save(f"{job.pk}.{UPLOAD_FORMATS[fmt]}", ContentFile(data), save=False)
    try:
        job.save()
        job_record_event(job=job, from_status="", source="user", actor=owner)
    except BaseException:
        storages["default"].delete(job.source_upload.name)
        raise
    enqueue(job)
    return job
