"""Edits of a finished piece (variation, image-to-image, inpaint, upscale) as ordinary jobs.

An edit job is a GenerationJob with `edit_kind` and `parent_piece` set, so queueing, fair
share, progress, cancel and retry work as for any job. The worker (batch.py), the stamping
stage and `manage.py reproduce` rebuild the engine request from the job with
`edit_request_fields`, loading the parent's stored original and the stored mask, or, for
image-to-image from an upload (generation/services/uploads.py), the stored upload fitted to
the job's size.
"""

import hashlib
import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from PIL import Image, ImageOps

from core.errors import ApplicationError, PermissionDeniedError
from core.images import open_untrusted_image
from generation.engines import EDIT_KINDS, UPSCALE_FACTORS, GenerationRequest, validate_mask
from generation.models import GenerationJob, Piece, PromptSource
from generation.selectors.pieces import piece_editable_by
from generation.services.engines import EngineSpec, engine_spec
from generation.services.jobs import enqueue, job_record_event
from generation.services.prompt_reviews import prompt_screen
from generation.services.quotas import job_check_quotas
from provenance.stamp import EditFacts

MASK_MAX_BYTES = 4 * 1024 * 1024
PROMPTED_KINDS = ("image", "inpaint")  # the edits whose prompt the person may change
KIND_LABELS = {
    "variation": "Variations",
    "image": "Image-to-image",
    "inpaint": "Inpainting",
    "upscale": "Upscaling",
}


def edit_unavailable_reason(*, spec: EngineSpec, kind: str) -> str:
    """Why `kind` cannot run on the engine, or "" when it can (the form greys it out)."""
    if kind in spec.edit_kinds:
        return ""
    return f"{KIND_LABELS[kind]} is not available for model {spec.label}."


def edit_availability(*, piece: Piece) -> dict[str, str]:
    """For each edit kind, why the piece's engine cannot do it ("" when it can)."""
    try:
        spec = engine_spec(piece.job.engine)
    except ValueError:
        return dict.fromkeys(EDIT_KINDS, f"Model {piece.job.engine} is no longer offered.")
    return {kind: edit_unavailable_reason(spec=spec, kind=kind) for kind in EDIT_KINDS}


def job_create_edit(
    *,
    owner,
    piece: Piece,
    kind: str,
    strength: float | None = None,
    upscale: int | None = None,
    mask=None,
    prompt: str | None = None,
    seed: int | None = None,
) -> GenerationJob:
    """Queue one image made from `piece`: the parent's prompt, engine, steps and guidance
    unless `prompt` changes them (image-to-image and inpaint only).

    A variation keeps the prompt with a new seed; an upscale makes the parent's size times
    `upscale`. `mask` (inpaint) is an uploaded PNG or a PIL image, 255 = repaint. The text
    is screened first, outside the transaction, as for every commission.
    """
    if not piece_editable_by(user=owner, piece=piece):
        raise PermissionDeniedError("You may not edit this image.")
    parent = piece.job
    if prompt is not None and prompt.strip() and kind not in PROMPTED_KINDS:
        raise ApplicationError("Only image-to-image and inpaint take a new prompt.", field="prompt")
    text = prompt.strip() if prompt and prompt.strip() else parent.prompt
    source = PromptSource.STYLE_COMMISSION if parent.style_version_id else PromptSource.COMMISSION
    prompt_screen(
        user=owner,
        prompt=text,
        negative_prompt=parent.negative_prompt,
        source=source,
        style=parent.style_version.style if parent.style_version_id else None,
    )
    return _edit_insert(
        owner=owner,
        piece=piece,
        kind=kind,
        strength=strength,
        upscale=upscale,
        mask=mask,
        prompt=text,
        seed=seed,
    )


@transaction.atomic(durable=True)
def _edit_insert(
    *, owner, piece: Piece, kind: str, strength, upscale, mask, prompt: str, seed
) -> GenerationJob:
    """Check the edit against the engine, then write the job, its mask and its first history
    row; a refusal stores nothing (the mask file is written last and removed on failure)."""
    parent = piece.job
    spec = _edit_engine(parent, kind, owner)
    strength, upscale = _edit_settings(kind, strength, upscale)
    factor = upscale or 1
    size = (piece.width * factor, piece.height * factor)
    if mask is not None and kind != "inpaint":
        raise ApplicationError("Only inpainting takes a mask.", field="mask")
    request = GenerationRequest(
        prompt=prompt,
        negative_prompt=parent.negative_prompt,
        seed=_edit_seed(kind, seed, piece),
        width=size[0],
        height=size[1],
        steps=parent.steps,
        guidance=parent.guidance,
        edit=kind,
        init_image=_source_image(piece),
        mask=_mask_image(mask, spec, size) if kind == "inpaint" else None,
        strength=strength,
        upscale=upscale,
    )
    try:
        spec.validate(request)
    except ValueError as error:
        raise ApplicationError(str(error), field="upscale" if upscale else None) from None
    job_check_quotas(owner=owner, images=1)
    job = GenerationJob(
        owner=owner,
        engine=spec.name,
        prompt=prompt,
        negative_prompt=parent.negative_prompt,
        seed=request.seed,
        width=request.width,
        height=request.height,
        steps=parent.steps,
        guidance=parent.guidance,
        count=1,
        style_version=parent.style_version,
        edit_kind=kind,
        parent_piece=piece,
        strength=strength,
        upscale_factor=upscale,
        progress_total=parent.steps,
    )
    job.full_clean()
    return _save_with_mask(job, request.mask, owner)


def _source_image(piece: Piece) -> Image.Image:
    try:
        return parent_original_image(piece)
    except OSError:
        raise ApplicationError("The original of this image cannot be read just now.") from None


def _edit_engine(parent: GenerationJob, kind: str, owner) -> EngineSpec:
    """The parent's engine, when it can do `kind` for `owner`. A styled piece is paid per
    run, so only the style's creator makes new images from it; anyone may upscale it."""
    if kind not in EDIT_KINDS:
        raise ApplicationError(f"Choose one of: {', '.join(EDIT_KINDS)}.", field="kind")
    try:
        spec = engine_spec(parent.engine)
    except ValueError as error:
        raise ApplicationError(str(error), field="kind") from None
    reason = edit_unavailable_reason(spec=spec, kind=kind)
    if reason:
        raise ApplicationError(reason, field="kind")
    styled = parent.style_version_id is not None and kind != "upscale"
    if styled and parent.style_version.style.creator_id != owner.pk:
        raise ApplicationError(
            "A piece in a creator's style can only be upscaled; commission the style again "
            "for new images in it.",
            field="kind",
        )
    return spec


def _edit_settings(kind: str, strength, upscale) -> tuple[float | None, int | None]:
    """Strength for the diffusing edits, a factor for upscale, nothing else."""
    if kind == "upscale":
        if upscale not in UPSCALE_FACTORS:
            raise ApplicationError("Upscale by 2 or 4.", field="upscale")
        return None, int(upscale)
    if strength is None or not 0.0 <= float(strength) <= 1.0:
        raise ApplicationError(
            f"Strength must be between 0 and 1; got {strength}.", field="strength"
        )
    return float(strength), None


def _edit_seed(kind: str, seed: int | None, piece: Piece) -> int:
    """An upscale keeps the parent's seed; the others get a new one unless given."""
    if seed is not None:
        return seed
    return piece.seed if kind == "upscale" else secrets.randbelow(2**32)


def _mask_image(mask, spec: EngineSpec, size: tuple[int, int]) -> Image.Image:
    """The mask as a clean 0/255 "L" image, or ApplicationError(field="mask") saying why not.
    An upload goes through the hardened image checks and must be a PNG."""
    if mask is None:
        raise ApplicationError("Paint the area to repaint, or upload a mask.", field="mask")
    if not isinstance(mask, Image.Image):
        try:
            mask = open_untrusted_image(
                mask, max_bytes=MASK_MAX_BYTES, max_pixels=spec.max_output_side**2
            )
        except ValidationError as error:
            raise ApplicationError(error.messages[0], field="mask") from None
        if mask.format != "PNG":
            raise ApplicationError("Upload the mask as a PNG.", field="mask")
    mask = mask.convert("L").point(lambda value: 255 if value >= 128 else 0)
    try:
        validate_mask(mask, size)
    except ValueError as error:
        raise ApplicationError(str(error), field="mask") from None
    return mask


def _save_with_mask(job: GenerationJob, mask: Image.Image | None, owner) -> GenerationJob:
    """Store the mask (re-encoded, so nothing hidden in an upload survives) and the row; a
    failing insert takes the file with it."""
    storage = storages["default"]
    if mask is not None:
        buffer = io.BytesIO()
        mask.save(buffer, format="PNG", optimize=True)
        data = buffer.getvalue()
        job.mask_sha256 = hashlib.sha256(data).hexdigest()
        job.mask.save(f"{job.pk}.png", ContentFile(data), save=False)
    try:
        job.save()
        job_record_event(job=job, from_status="", source="user", actor=owner)
    except BaseException:
        if job.mask:
            storage.delete(job.mask.name)
        raise
    enqueue(job)
    return job


def parent_original_bytes(piece: Piece) -> bytes:
    """The parent's stored original: what an edit starts from and its provenance names."""
    with storages["default"].open(piece.original.name, "rb") as handle:
        return handle.read()


def parent_original_image(piece: Piece) -> Image.Image:
    return Image.open(io.BytesIO(parent_original_bytes(piece))).convert("RGB")


def stored_mask(job: GenerationJob) -> Image.Image | None:
    if not job.mask:
        return None
    with storages["default"].open(job.mask.name, "rb") as handle:
        return Image.open(io.BytesIO(handle.read())).convert("L")


def fit_source(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An uploaded picture as the engine's init image: EXIF orientation applied, RGB, scaled
    to cover `size` (Lanczos) and cropped to it around the centre. Deterministic, so the
    worker and `manage.py reproduce` start from the same pixels."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    return ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))


def stored_upload_bytes(job: GenerationJob) -> bytes:
    """The uploaded picture exactly as received (its marks and manifest included)."""
    with storages["default"].open(job.source_upload.name, "rb") as handle:
        return handle.read()


def _init_image(job: GenerationJob) -> Image.Image:
    if job.source_upload:
        image = Image.open(io.BytesIO(stored_upload_bytes(job)))
        return fit_source(image, (job.width, job.height))
    return parent_original_image(job.parent_piece)


def edit_request_fields(job: GenerationJob) -> dict:
    """The GenerationRequest fields that make `job` an edit ({} for text-to-image): the
    worker and `manage.py reproduce` build the same request from them."""
    if not job.is_edit:
        return {}
    return {
        "edit": job.edit_kind,
        "init_image": _init_image(job),
        "mask": stored_mask(job),
        "strength": job.strength,
        "upscale": job.upscale_factor,
    }


def edit_facts(job: GenerationJob) -> EditFacts | None:
    """How an edit job's pieces came from their parent, for their provenance stamp."""
    if not job.is_edit:
        return None
    if job.source_upload:  # the upload itself is the ingredient, its marks carried
        return EditFacts(
            kind=job.edit_kind,
            parent_piece_id=str(job.parent_piece_id) if job.parent_piece_id else None,
            parent_original=stored_upload_bytes(job),
            strength=job.strength,
            upload_sha256=job.source_sha256,
            human=("upload",),
        )
    human = ("parent", "mask") if job.mask else ("parent",)
    return EditFacts(
        kind=job.edit_kind,
        parent_piece_id=str(job.parent_piece_id),
        parent_original=parent_original_bytes(job.parent_piece),
        strength=job.strength,
        upscale=job.upscale_factor,
        mask_sha256=job.mask_sha256,
        human=human,
    )
