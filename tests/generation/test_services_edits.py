"""Edits of a piece as jobs: who may edit, what is refused (storing nothing), and the worker
path with the scripted engine (parent set, sizes, pixels from the parent and mask)."""

import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from core.errors import ApplicationError, PermissionDeniedError
from generation.hooks import may_derive
from generation.models import GenerationJob, JobStatus
from generation.services import stamping
from generation.services.batch import batch_run
from generation.services.edits import job_create_edit
from generation.services.jobs import job_cancel, job_retry
from generation.services.reproduce import provenance_reproduce
from generation.services.worker import job_claim_batch
from tests.factories import UserFactory
from tests.generation.doubles import EDIT_COLOUR
from tests.generation.factories import scripted_piece
from tests.storage import stored_names

pytestmark = pytest.mark.django_db
W = "worker-a:1"


@pytest.fixture(autouse=True)
def _setup(scripted_engine, generation_wakeups, settings, signing_root):
    settings.PROVENANCE_SIGNING_DIR = signing_root


@pytest.fixture
def parent(buyer):
    return scripted_piece(buyer)


def mask_png(size=(256, 256), box=(0, 0, 128, 256), *, fmt="PNG", mode="L") -> SimpleUploadedFile:
    image = Image.new(mode, size, 0)
    image.paste(255, box)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return SimpleUploadedFile(f"mask.{fmt.lower()}", buffer.getvalue())


def stored_masks() -> int:
    return len(stored_names("masks"))


def test_owner_makes_a_variation_with_the_parent_settings_and_a_new_seed(buyer, parent):
    job = job_create_edit(owner=buyer, piece=parent, kind="variation", strength=0.4)

    source = parent.job
    assert (job.edit_kind, job.parent_piece, job.strength, job.count) == (
        "variation",
        parent,
        0.4,
        1,
    )
    assert (job.prompt, job.negative_prompt, job.engine, job.steps, job.guidance) == (
        source.prompt,
        source.negative_prompt,
        source.engine,
        source.steps,
        source.guidance,
    )
    assert (job.width, job.height, job.status) == (256, 256, JobStatus.QUEUED)
    assert [e.to_status for e in job.events.all()] == ["queued"]


def test_image_to_image_takes_a_new_prompt_and_upscale_doubles_the_size(buyer, parent):
    image = job_create_edit(
        owner=buyer, piece=parent, kind="image", strength=0.7, prompt="the same, in snow"
    )
    upscale = job_create_edit(owner=buyer, piece=parent, kind="upscale", upscale=2)

    assert image.prompt == "the same, in snow"
    assert (upscale.width, upscale.height, upscale.upscale_factor) == (512, 512, 2)
    assert upscale.seed == parent.seed and upscale.strength is None


def test_someone_elses_piece_cannot_be_edited(parent):
    stranger = UserFactory()
    with pytest.raises(PermissionDeniedError, match="You may not edit this image"):
        job_create_edit(owner=stranger, piece=parent, kind="variation", strength=0.5)
    assert not GenerationJob.objects.filter(owner=stranger).exists()


def test_the_may_derive_hook_lets_a_higher_floor_allow_an_edit(parent):
    friend, stranger = UserFactory(), UserFactory()
    asked = []

    def allow_friend(event):
        asked.append((event.user, event.piece_id))
        return event.user == friend

    may_derive.register(allow_friend)
    try:
        job = job_create_edit(owner=friend, piece=parent, kind="variation", strength=0.5)
        with pytest.raises(PermissionDeniedError):
            job_create_edit(owner=stranger, piece=parent, kind="variation", strength=0.5)
    finally:
        may_derive.unregister(allow_friend)
    assert job.owner == friend and job.parent_piece == parent
    assert asked == [(friend, parent.pk), (stranger, parent.pk)]


BAD_INPUTS = [
    ({"kind": "variation", "strength": 1.5}, "strength", "Strength must be between 0 and 1"),
    ({"kind": "image", "strength": -0.1}, "strength", "Strength must be between 0 and 1"),
    ({"kind": "upscale", "upscale": 3}, "upscale", "Upscale by 2 or 4"),
    ({"kind": "sharpen"}, "kind", "Choose one of"),
    ({"kind": "inpaint", "strength": 0.8}, "mask", "Paint the area to repaint"),
    (
        {"kind": "inpaint", "strength": 0.8, "mask": "wrong size"},
        "mask",
        "The mask is 128x128; the picture is 256x256",
    ),
    ({"kind": "inpaint", "strength": 0.8, "mask": "empty"}, "mask", "The mask is empty"),
    ({"kind": "inpaint", "strength": 0.8, "mask": "white"}, "mask", "covers the whole picture"),
    ({"kind": "inpaint", "strength": 0.8, "mask": "jpeg"}, "mask", "Upload the mask as a PNG"),
    ({"kind": "inpaint", "strength": 0.8, "mask": "garbage"}, "mask", "damaged or incomplete"),
    ({"kind": "variation", "strength": 0.5, "prompt": "new"}, "prompt", "Only image-to-image"),
]
MASKS = {
    "wrong size": lambda: mask_png((128, 128), (0, 0, 64, 128)),
    "empty": lambda: mask_png(box=(0, 0, 0, 0)),
    "white": lambda: mask_png(box=(0, 0, 256, 256)),
    "jpeg": lambda: mask_png(fmt="JPEG", mode="RGB"),
    "garbage": lambda: SimpleUploadedFile("mask.png", b"\x89PNG\r\n\x1a\nnot really"),
}


@pytest.mark.parametrize(("arguments", "field", "message"), BAD_INPUTS)
def test_bad_input_is_refused_with_a_clear_error_and_stores_nothing(
    buyer, parent, arguments, field, message
):
    arguments = dict(arguments)
    if "mask" in arguments:
        arguments["mask"] = MASKS[arguments["mask"]]()
    jobs, masks = GenerationJob.objects.count(), stored_masks()

    with pytest.raises(ApplicationError, match=message) as refused:
        job_create_edit(owner=buyer, piece=parent, **arguments)

    assert refused.value.field == field
    assert (GenerationJob.objects.count(), stored_masks()) == (jobs, masks)


def test_an_upscale_beyond_the_engine_limit_is_refused_with_its_message(buyer):
    big = scripted_piece(buyer, size=(512, 512))
    jobs = GenerationJob.objects.count()
    with pytest.raises(ApplicationError) as refused:
        job_create_edit(owner=buyer, piece=big, kind="upscale", upscale=4)
    assert refused.value.message == (
        "Upscaling 512x512 by 4 makes 2048x2048; scripted makes at most 1024 pixels on a side."
    )
    assert refused.value.field == "upscale" and GenerationJob.objects.count() == jobs


def test_an_edit_the_engine_cannot_do_is_refused_naming_the_model(buyer, parent, settings):
    settings.GENERATION_ENGINES = {
        **settings.GENERATION_ENGINES,
        "scripted": {
            "class": "tests.generation.doubles.ScriptedEngine",
            "label": "Sketchy",
            "options": {"edit_kinds": ["variation"]},
        },
    }
    jobs = GenerationJob.objects.count()
    with pytest.raises(ApplicationError, match="Upscaling is not available for model Sketchy"):
        job_create_edit(owner=buyer, piece=parent, kind="upscale", upscale=2)
    assert GenerationJob.objects.count() == jobs


def test_an_inpaint_stores_its_mask_and_the_worker_repaints_only_there(buyer, parent):
    masks = stored_masks()
    job = job_create_edit(owner=buyer, piece=parent, kind="inpaint", strength=0.9, mask=mask_png())
    assert stored_masks() == masks + 1 and len(job.mask_sha256) == 64

    batch_run(job_id=job.pk, worker=W)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    piece = job.pieces.get()
    assert (piece.parent, piece.width, piece.height) == (parent, 256, 256)
    with storages["default"].open(piece.original.name) as handle:
        made = Image.open(handle).convert("RGB")
    with storages["default"].open(parent.original.name) as handle:
        source = Image.open(handle).convert("RGB")
    painted, kept = made.getpixel((40, 100)), made.getpixel((200, 100))
    assert all(abs(a - b) <= 8 for a, b in zip(painted, EDIT_COLOUR, strict=True))
    assert all(abs(a - b) <= 8 for a, b in zip(kept, source.getpixel((200, 100)), strict=True))
    assert list(parent.derivatives.all()) == [piece]


def test_an_upscale_makes_a_piece_of_the_output_size(buyer, parent):
    job = job_create_edit(owner=buyer, piece=parent, kind="upscale", upscale=4)
    batch_run(job_id=job.pk, worker=W)

    piece = job.pieces.get()
    assert (piece.parent, piece.width, piece.height) == (parent, 1024, 1024)
    with storages["default"].open(piece.original.name) as handle:
        assert Image.open(handle).size == (1024, 1024)


def test_edits_batch_only_with_the_same_kind_strength_and_factor(buyer, parent):
    lead = job_create_edit(owner=buyer, piece=parent, kind="variation", strength=0.3)
    same = job_create_edit(owner=buyer, piece=parent, kind="variation", strength=0.3)
    other_strength = job_create_edit(owner=buyer, piece=parent, kind="variation", strength=0.6)
    other_kind = job_create_edit(owner=buyer, piece=parent, kind="image", strength=0.3)
    factor_2 = job_create_edit(owner=buyer, piece=parent, kind="upscale", upscale=2)
    text_job = GenerationJob.objects.create(
        owner=buyer, engine="scripted", prompt="plain", seed=1, width=256, height=256, steps=4
    )

    batch = job_claim_batch(job_id=lead.pk, worker=W, max_images=8)
    second = job_claim_batch(job_id=lead.pk, worker=W, max_images=8)

    assert [job.pk for job in batch] == [lead.pk, same.pk]
    assert [job.pk for job in second] == [other_strength.pk]
    queued = GenerationJob.objects.filter(status=JobStatus.QUEUED)
    assert set(queued) == {other_kind, factor_2, text_job}


def test_reproduce_remakes_an_edited_piece_from_its_parent_and_mask(buyer, parent, capsys):
    job = job_create_edit(owner=buyer, piece=parent, kind="inpaint", strength=0.5, mask=mask_png())
    batch_run(job_id=job.pk, worker=W)
    piece = job.pieces.get()

    result = provenance_reproduce(record=piece.provenance)

    assert result.match and result.marked_match
    assert result.mean_abs_diff == 0.0
    call_command("reproduce", str(piece.pk))
    assert "Match: identical pixels." in capsys.readouterr().out


def test_reproduce_of_an_edit_needs_its_parent_original(buyer, parent):
    job = job_create_edit(owner=buyer, piece=parent, kind="upscale", upscale=2)
    batch_run(job_id=job.pk, worker=W)
    storages["default"].delete(parent.original.name)

    with pytest.raises(ApplicationError, match="Could not read the edit's source"):
        provenance_reproduce(record=job.pieces.get().provenance)


def test_the_stamp_order_carries_the_edit_facts(buyer, parent, monkeypatch):
    orders = []
    real = stamping.provenance_stamp_order
    monkeypatch.setattr(
        stamping,
        "provenance_stamp_order",
        lambda **kwargs: orders.append(kwargs["edit"]) or real(**kwargs),
    )
    job = job_create_edit(owner=buyer, piece=parent, kind="inpaint", strength=0.5, mask=mask_png())
    batch_run(job_id=job.pk, worker=W)

    [facts] = orders
    with storages["default"].open(parent.original.name) as handle:
        parent_bytes = handle.read()
    assert (facts.kind, facts.parent_piece_id, facts.strength, facts.upscale) == (
        "inpaint",
        str(parent.pk),
        0.5,
        None,
    )
    assert facts.parent_original == parent_bytes
    assert facts.mask_sha256 == job.mask_sha256
    assert facts.human == ("parent", "mask")


def test_a_failed_edit_is_retried_as_the_same_edit(buyer, parent):
    job = job_create_edit(owner=buyer, piece=parent, kind="inpaint", strength=0.5, mask=mask_png())
    job_cancel(job=job, actor=buyer)

    retry = job_retry(job=job, actor=buyer)

    assert retry.retry_of == job
    same = ("edit_kind", "parent_piece", "strength", "mask", "mask_sha256", "seed", "width")
    assert all(getattr(retry, name) == getattr(job, name) for name in same)
    batch_run(job_id=retry.pk, worker=W)
    assert retry.pieces.get().parent == parent


def test_an_edit_whose_parent_file_is_gone_fails_saying_so(buyer, parent):
    job = job_create_edit(owner=buyer, piece=parent, kind="variation", strength=0.5)
    storages["default"].delete(parent.original.name)

    batch_run(job_id=job.pk, worker=W)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("The picture to edit could not be read:")
    assert not job.pieces.exists()
