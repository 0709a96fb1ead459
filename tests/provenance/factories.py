"""Build jobs, pieces and provenance through the real services, with real files in storage."""

import uuid

import factory
import numpy as np
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from generation.models import GenerationJob, JobStatus, Piece
from provenance.services.records import provenance_record_created, provenance_stamp_image
from provenance.stamp import EditFacts
from tests.factories import UserFactory

ENGINE = {"name": "embedded", "version": "test", "weights_hash": "w" * 16}


class FinishedJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GenerationJob

    owner = factory.SubFactory(UserFactory, creator=True)
    engine = "embedded"
    engine_version = "test"
    prompt = factory.Sequence(lambda n: f"a lighthouse on a cliff, study {n}")
    negative_prompt = "blurry"
    seed = factory.Sequence(lambda n: 1000 + n)
    width = 512
    height = 512
    steps = 4
    status = JobStatus.SUCCEEDED


def art(seed: int, size: tuple[int, int] = (512, 512)) -> Image.Image:
    """A deterministic, structured picture (gradient sky, sun, hills): pHash-friendly."""
    rng = np.random.default_rng(seed)
    width, height = size
    y = np.linspace(0, 1, height)[:, None, None]
    top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    sky = (top * (1 - y) + bottom * y) * np.ones((1, width, 1))
    image = Image.fromarray(sky.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(width // 12, width // 4))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=colour)
        else:
            draw.rectangle((x0 - r, y0 - r // 2, x0 + r, y0 + r // 2), fill=colour)
    noise = rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(image, float) + noise, 0, 255).astype(np.uint8))


def stamped_piece(
    *,
    owner=None,
    job=None,
    image: Image.Image | None = None,
    seed: int = 1,
    prompt_public: bool = False,
    engine: dict | None = None,
    edit: EditFacts | None = None,
):
    """Stamp an image and save it as a Piece + ProvenanceRecord, the way the worker does."""
    job = job or FinishedJobFactory(**({"owner": owner} if owner else {}))
    image = image if image is not None else art(seed, (job.width, job.height))
    piece_id = uuid.uuid4()
    stamped = provenance_stamp_image(
        image=image,
        piece_id=piece_id,
        creator_name=job.owner.public_name,
        engine=engine or ENGINE,
        edit=edit,
    )
    piece = Piece.objects.create(
        id=piece_id,
        job=job,
        index=job.pieces.count(),
        owner=job.owner,
        seed=job.image_seed(job.pieces.count()),
        width=image.width,
        height=image.height,
        original=ContentFile(stamped.original_png, name=stamped.original_name),
        preview=ContentFile(stamped.preview_bytes, name=stamped.preview_name),
        sha256=stamped.sha256,
    )
    record = provenance_record_created(piece=piece, stamped=stamped, prompt_public=prompt_public)
    return piece, record, stamped


def edited_piece(
    *,
    parent,
    kind: str = "inpaint",
    human: tuple[str, ...] = ("parent", "mask"),
    owner=None,
    seed: int = 2,
    strength: float | None = 0.6,
    upscale: int | None = None,
    mask_sha256: str = "m" * 64,
    upload_sha256: str = "",
    image: Image.Image | None = None,
):
    """An edit of `parent` (a Piece), stamped with its EditFacts the way the worker will.

    The child Piece knows nothing of its parent here: the record and the ledger do.
    """
    with parent.original.open("rb") as handle:
        parent_original = handle.read()
    edit = EditFacts(
        kind=kind,
        parent_piece_id=str(parent.pk),
        parent_original=parent_original,
        strength=strength,
        upscale=upscale,
        mask_sha256=mask_sha256 if "mask" in human else "",
        upload_sha256=upload_sha256,
        human=human,
    )
    return stamped_piece(owner=owner or parent.owner, seed=seed, edit=edit, image=image)
