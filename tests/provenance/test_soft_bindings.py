import base64
import io
import json
import uuid

import c2pa
import iscc_core
import pytest
from PIL import Image

from provenance import c2pa_manifest, iscc
from provenance.services.records import provenance_stamp_image
from tests.provenance.factories import ENGINE, art

pytestmark = pytest.mark.django_db


@pytest.fixture
def stamped():
    return provenance_stamp_image(
        image=art(7), piece_id=uuid.uuid4(), creator_name="Ada Painter", engine=ENGINE
    )


def _jpeg(data: bytes, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def test_both_manifests_carry_the_watermark_and_iscc_soft_bindings(stamped):
    expected = [
        ("com.promptfolio.watermark.dwtdctsvd.v1", stamped.watermark_id.to_bytes(4, "big")),
        ("io.iscc.v0", iscc_core.decode_base32(stamped.iscc_code.removeprefix("ISCC:"))),
    ]
    original = c2pa_manifest.read(stamped.original_png, mime_type="image/png")
    preview = c2pa_manifest.read(stamped.preview_bytes, mime_type="image/jpeg")

    assert original.state == preview.state == "Valid"
    assert original.soft_bindings == expected
    assert preview.soft_bindings == expected


def test_soft_bindings_have_the_spec_shape_in_the_signed_store(stamped):
    with c2pa.Reader("image/png", io.BytesIO(stamped.original_png)) as reader:
        store = json.loads(reader.json())
    assertions = store["manifests"][store["active_manifest"]]["assertions"]
    bindings = [a["data"] for a in assertions if a["label"] == "c2pa.soft-binding"]

    assert [b["alg"] for b in bindings] == ["com.promptfolio.watermark.dwtdctsvd.v1", "io.iscc.v0"]
    assert bindings[0]["blocks"] == [
        {"scope": {}, "value": base64.b64encode(stamped.watermark_id.to_bytes(4, "big")).decode()}
    ]


def test_the_iscc_is_of_the_marked_pixels(stamped):
    marked = Image.open(io.BytesIO(stamped.original_png))
    assert stamped.iscc_code == iscc.image_code(marked)
    assert stamped.iscc_code.startswith("ISCC:EE")  # content code, image subtype
    assert len(iscc.code_bytes(stamped.iscc_code)) == 10  # 2 header bytes + 64 bits


def test_a_reencoded_copy_keeps_its_iscc_and_an_unrelated_image_does_not(stamped):
    copy = iscc.image_code(_jpeg(stamped.original_png, quality=80))
    resized = iscc.image_code(_jpeg(stamped.original_png, 80).resize((384, 384)))
    unrelated = iscc.image_code(art(1234))

    assert iscc.distance(copy, stamped.iscc_code) <= 4
    assert iscc.distance(resized, stamped.iscc_code) <= 6
    assert iscc.distance(unrelated, stamped.iscc_code) >= 16


def test_a_uniform_border_is_cropped_before_hashing():
    picture = art(8, (256, 256))
    framed = Image.new("RGB", (320, 320), (255, 255, 255))
    framed.paste(picture, (32, 32))

    assert iscc.distance(iscc.image_code(framed), iscc.image_code(picture)) <= 4


def test_the_manifest_store_of_a_signed_png_reads_back_as_application_c2pa(stamped):
    store = c2pa_manifest.manifest_store(stamped.original_png)

    assert store is not None and store[4:8] == b"jumb"
    with c2pa.Reader("application/c2pa", io.BytesIO(store)) as reader:
        assert json.loads(reader.json())["active_manifest"] == stamped.manifest_id
    assert c2pa_manifest.manifest_store(stamped.preview_bytes) is None  # not a PNG
    assert c2pa_manifest.manifest_store(b"\x89PNG\r\n\x1a\n") is None
