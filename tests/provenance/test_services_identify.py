"""provenance_identify_upload: by our signed manifest, by watermark, by pHash, or not ours."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from provenance import signing
from provenance.services.identify import UploadOrigin, provenance_identify_upload
from provenance.stamp import StampOrder, stamp_image
from tests.provenance.factories import ENGINE, art, edited_piece, stamped_piece

pytestmark = pytest.mark.django_db


def _jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def test_a_piece_is_found_by_its_manifest(creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=61)

    assert provenance_identify_upload(data=stamped.original_png) == UploadOrigin(
        piece_id=piece.pk, matched_by="manifest", owner_id=creator.pk
    )
    assert provenance_identify_upload(data=stamped.preview_bytes).matched_by == "manifest"


def test_an_edit_is_found_as_itself_not_its_parent(creator):
    parent, _, _ = stamped_piece(owner=creator, seed=62)
    child, _, stamped = edited_piece(parent=parent)

    origin = provenance_identify_upload(data=stamped.original_png)

    assert origin.piece_id == child.pk
    assert origin.matched_by == "manifest"


def test_a_reencoded_jpeg_without_metadata_is_found_by_watermark(creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=63)
    pixels = Image.open(io.BytesIO(stamped.original_png)).convert("RGB")
    stripped = _jpeg(Image.frombytes("RGB", pixels.size, pixels.tobytes()), quality=80)
    assert b"c2pa" not in stripped and b"xmp" not in stripped.lower()

    origin = provenance_identify_upload(data=stripped)

    assert origin.piece_id == piece.pk
    assert origin.matched_by == "watermark"
    assert origin.owner_id == creator.pk
    assert origin.distance <= 4


def test_a_look_alike_without_the_mark_is_found_by_phash(creator):
    piece, _, _ = stamped_piece(owner=creator, seed=64, image=art(64))

    origin = provenance_identify_upload(data=_jpeg(art(64), quality=90))  # the unmarked pixels

    assert origin is not None
    assert origin.piece_id == piece.pk
    assert origin.matched_by == "phash"


def test_an_unrelated_picture_is_none(creator):
    stamped_piece(owner=creator, seed=65)

    assert provenance_identify_upload(data=_jpeg(art(999))) is None


def test_a_manifest_signed_by_someone_else_does_not_count(creator, tmp_path):
    piece, _, _ = stamped_piece(owner=creator, seed=66)
    forger_dir, _ = signing.init_signing_identity(tmp_path / "forger")
    forged = stamp_image(
        StampOrder(
            piece_id=piece.pk,  # claims our piece in our assertion's shape
            watermark_id=7,
            ledger_anchor="0" * 64,
            piece_url="https://elsewhere.test/",
            creator_name="Forger",
            engine=ENGINE,
            licence_summary="none",
            claim_generator="Forger",
            claim_generator_version="1",
            signing_dir=str(forger_dir),
        ),
        art(1234),
    )

    assert provenance_identify_upload(data=forged.original_png) is None


def test_a_file_that_is_not_an_image_is_refused():
    with pytest.raises(ValidationError):
        provenance_identify_upload(data=b"not an image at all")
