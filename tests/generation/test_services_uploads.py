"""Image-to-image from an uploaded picture: the upload is the source and the C2PA ingredient,
one of our pieces becomes the parent (another creator's only with the right to derive), bad
input stores nothing, and reproduce re-makes the piece from the stored upload."""

import io
import json
import uuid

import c2pa
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from core.errors import ApplicationError
from generation.hooks import may_derive
from generation.models import GenerationJob, JobStatus
from generation.services.batch import batch_run
from generation.services.edits import fit_source
from generation.services.engines import engine_spec
from generation.services.jobs import job_cancel, job_retry
from generation.services.reproduce import provenance_reproduce
from generation.services.uploads import UploadSpec, closest_size, job_create_from_upload
from provenance import c2pa_manifest, signing
from provenance.stamp import StampOrder, stamp_image
from tests.generation.doubles import EDIT_COLOUR
from tests.generation.factories import scripted_piece
from tests.provenance.factories import ENGINE, art
from tests.storage import stored_names

pytestmark = pytest.mark.django_db
W = "worker-a:1"


@pytest.fixture(autouse=True)
def _setup(scripted_engine, generation_wakeups, settings, signing_root):
    settings.PROVENANCE_SIGNING_DIR = signing_root


def picture(image: Image.Image, fmt: str = "PNG", name: str = "") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return SimpleUploadedFile(name or f"upload.{fmt.lower()}", buffer.getvalue())


def spec(**changes) -> UploadSpec:
    values = {"prompt": "the same scene, in snow", "strength": 0.5, "engine": "scripted"}
    return UploadSpec(**{**values, **changes})


def stored_uploads() -> int:
    return len(stored_names("uploads"))


def original_bytes(piece) -> bytes:
    with storages["default"].open(piece.original.name, "rb") as handle:
        return handle.read()


def stripped_jpeg(piece) -> SimpleUploadedFile:
    """The piece re-encoded as a JPEG: no manifest, no XMP, only the pixels' watermark."""
    pixels = Image.open(io.BytesIO(original_bytes(piece))).convert("RGB")
    upload = picture(Image.frombytes("RGB", pixels.size, pixels.tobytes()), "JPEG")
    assert b"c2pa" not in upload.read()
    return upload


def manifest_store(data: bytes) -> dict:
    with c2pa.Reader("image/png", io.BytesIO(data)) as reader:
        store = json.loads(reader.json())
    return store["manifests"][store["active_manifest"]]


def test_a_plain_picture_becomes_a_piece_whose_manifest_holds_the_upload(buyer, signing_root):
    upload = picture(art(4242, (300, 300)), "JPEG")
    sent = upload.read()

    job = job_create_from_upload(owner=buyer, upload=upload, spec=spec(strength=0.4))

    assert (job.edit_kind, job.parent_piece, job.strength, job.count) == ("image", None, 0.4, 1)
    assert (job.width, job.height, job.engine, job.status) == (256, 256, "scripted", "queued")
    assert job.source_upload.name == f"uploads/{job.pk}.jpg"
    with storages["default"].open(job.source_upload.name, "rb") as handle:
        assert handle.read() == sent  # stored exactly as received
    batch_run(job_id=job.pk, worker=W)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    piece = job.pieces.get()
    assert (piece.parent, piece.width, piece.height) == (None, 256, 256)
    record = piece.provenance
    assert (record.edit_kind, record.human_contribution) == ("image", ["upload"])
    assert record.edit["upload_sha256"] == job.source_sha256
    made = original_bytes(piece)
    [ingredient] = manifest_store(made)["ingredients"]
    assert (ingredient["relationship"], ingredient["title"]) == ("parentOf", "Uploaded picture")
    assert ingredient["format"] == "image/jpeg"
    root = signing.load_signing_identity(signing_root).root_pem
    status = c2pa_manifest.read(made, mime_type="image/png", trust_root_pem=root)
    assert status.state == "Trusted"
    assert status.assertion["edit"]["human"] == ["upload"]
    # the scripted engine blends the fitted upload towards EDIT_COLOUR by the strength
    expected = Image.blend(
        fit_source(Image.open(io.BytesIO(sent)), (256, 256)),
        Image.new("RGB", (256, 256), EDIT_COLOUR),
        0.4,
    )
    pixel = Image.open(io.BytesIO(made)).convert("RGB").getpixel((128, 128))
    assert all(abs(a - b) <= 8 for a, b in zip(pixel, expected.getpixel((128, 128)), strict=True))


def test_the_size_follows_the_pictures_shape_and_may_be_chosen(buyer):
    scripted = engine_spec("scripted")
    assert closest_size(scripted, (1200, 1000)) == (512, 512)  # all square: nearest in pixels
    assert closest_size(scripted, (300, 280)) == (256, 256)

    chosen = job_create_from_upload(
        owner=buyer, upload=picture(art(1, (640, 480))), spec=spec(size=(256, 256), seed=9)
    )

    assert (chosen.width, chosen.height, chosen.seed) == (256, 256, 9)
    assert fit_source(art(1, (640, 480)), (256, 256)).size == (256, 256)


def test_uploading_your_own_piece_links_it_as_the_parent(buyer):
    mine = scripted_piece(buyer, seed=31)

    job = job_create_from_upload(
        owner=buyer, upload=SimpleUploadedFile("mine.png", original_bytes(mine)), spec=spec()
    )
    batch_run(job_id=job.pk, worker=W)

    piece = job.pieces.get()
    assert (job.parent_piece, piece.parent) == (mine, mine)
    assert piece.provenance.parent_id == mine.pk
    assert piece.provenance.human_contribution == ["upload"]
    [ingredient] = manifest_store(original_bytes(piece))["ingredients"]
    assert ingredient["title"] == f"Promptfolio piece {mine.pk}"
    assert ingredient["active_manifest"] == mine.provenance.c2pa_manifest_id  # carried


def test_another_creators_piece_found_by_its_watermark_is_refused(buyer, creator):
    theirs = scripted_piece(creator, size=(512, 512), seed=32)
    jobs, files = GenerationJob.objects.count(), stored_uploads()

    with pytest.raises(ApplicationError, match="another creator's Promptfolio piece") as refused:
        job_create_from_upload(owner=buyer, upload=stripped_jpeg(theirs), spec=spec())

    assert refused.value.field == "image"
    assert "licence of it whose terms allow derivatives" in refused.value.message
    assert (GenerationJob.objects.count(), stored_uploads()) == (jobs, files)


def test_another_creators_piece_is_allowed_with_the_right_to_derive(buyer, creator):
    theirs = scripted_piece(creator, size=(512, 512), seed=33)
    asked = []

    def allow(event):
        asked.append((event.user, event.piece_id))
        return event.user == buyer

    may_derive.register(allow)
    try:
        job = job_create_from_upload(owner=buyer, upload=stripped_jpeg(theirs), spec=spec())
    finally:
        may_derive.unregister(allow)

    assert asked == [(buyer, theirs.pk)]
    assert (job.owner, job.parent_piece, job.source_upload.name.endswith(".jpg")) == (
        buyer,
        theirs,
        True,
    )


def bomb() -> SimpleUploadedFile:
    """A PNG whose header claims far more pixels than its few bytes hold."""
    return picture(Image.new("L", (5000, 5000), 0), name="bomb.png")


BAD_UPLOADS = [
    (lambda: SimpleUploadedFile("x.png", b"not an image at all"), {}, "image", "not an image"),
    (lambda: picture(art(2, (64, 64)), "GIF"), {}, "image", "PNG, JPEG or WebP"),
    (
        lambda: SimpleUploadedFile("big.png", b"\0" * (8 * 1024 * 1024 + 1)),
        {},
        "image",
        "the limit is 8 MB",
    ),
    (bomb, {}, "image", "that is too large|too many pixels"),
    (lambda: picture(art(3, (64, 64))), {"strength": 1.5}, "strength", "between 0 and 1"),
    (lambda: picture(art(3, (64, 64))), {"strength": -0.1}, "strength", "between 0 and 1"),
    (lambda: picture(art(3, (64, 64))), {"size": (300, 200)}, "size", "makes 256×256, 512×512"),
    (lambda: picture(art(3, (64, 64))), {"engine": "nope"}, "engine", "Unknown engine"),
]


@pytest.mark.parametrize(("upload", "changes", "field", "message"), BAD_UPLOADS)
def test_bad_input_is_refused_next_to_its_field_and_stores_nothing(
    buyer, upload, changes, field, message
):
    jobs, files = GenerationJob.objects.count(), stored_uploads()

    with pytest.raises(ApplicationError, match=message) as refused:
        job_create_from_upload(owner=buyer, upload=upload(), spec=spec(**changes))

    assert refused.value.field == field
    assert (GenerationJob.objects.count(), stored_uploads()) == (jobs, files)


def test_reproduce_remakes_the_piece_from_the_stored_upload(buyer, capsys):
    job = job_create_from_upload(
        owner=buyer, upload=picture(art(77, (400, 300)), "WEBP"), spec=spec(strength=0.7)
    )
    batch_run(job_id=job.pk, worker=W)
    piece = job.pieces.get()

    result = provenance_reproduce(record=piece.provenance)

    assert result.match and result.marked_match and result.mean_abs_diff == 0.0
    call_command("reproduce", str(piece.pk))
    assert "Match: identical pixels." in capsys.readouterr().out


def test_a_retry_starts_from_the_same_upload(buyer):
    job = job_create_from_upload(owner=buyer, upload=picture(art(78, (256, 256))), spec=spec())
    job_cancel(job=job, actor=buyer)

    retry = job_retry(job=job, actor=buyer)

    same = ("edit_kind", "source_upload", "source_sha256", "strength", "seed", "width")
    assert all(getattr(retry, name) == getattr(job, name) for name in same)
    batch_run(job_id=retry.pk, worker=W)
    assert retry.pieces.get().provenance.human_contribution == ["upload"]


def test_a_picture_with_someone_elses_manifest_keeps_it_in_the_ingredient(buyer, tmp_path):
    elsewhere, _ = signing.init_signing_identity(tmp_path / "elsewhere")
    theirs = stamp_image(
        StampOrder(
            piece_id=uuid.uuid4(),
            watermark_id=987_654,
            ledger_anchor="0" * 64,
            piece_url="https://elsewhere.test/",
            creator_name="Someone",
            engine=ENGINE,
            licence_summary="theirs",
            claim_generator="Elsewhere",
            claim_generator_version="1",
            signing_dir=str(elsewhere),
        ),
        art(4343, (256, 256)),
    )
    with c2pa.Reader("image/png", io.BytesIO(theirs.original_png)) as reader:
        their_label = json.loads(reader.json())["active_manifest"]

    job = job_create_from_upload(
        owner=buyer, upload=SimpleUploadedFile("theirs.png", theirs.original_png), spec=spec()
    )
    batch_run(job_id=job.pk, worker=W)

    assert job.parent_piece is None
    [ingredient] = manifest_store(original_bytes(job.pieces.get()))["ingredients"]
    assert (ingredient["title"], ingredient["active_manifest"]) == ("Uploaded picture", their_label)
