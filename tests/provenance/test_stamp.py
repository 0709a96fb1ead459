import hashlib
import io
import uuid

import numpy as np
import pytest
from PIL import Image

from provenance import c2pa_manifest, phash, signing, watermark, xmp
from provenance.services.records import provenance_stamp_image
from tests.provenance.factories import ENGINE, art

pytestmark = pytest.mark.django_db


@pytest.fixture
def stamped():
    return provenance_stamp_image(
        image=art(3), piece_id=uuid.uuid4(), creator_name="Ada Painter", engine=ENGINE
    )


def test_original_is_a_png_with_the_right_hashes(stamped):
    image = Image.open(io.BytesIO(stamped.original_png))
    assert image.format == "PNG"
    assert image.size == (512, 512)
    assert stamped.sha256 == hashlib.sha256(stamped.original_png).hexdigest()
    assert stamped.output_sha256 != stamped.pixel_sha256  # the mark changed the pixels
    assert phash.pixel_sha256(image) == stamped.pixel_sha256  # lossless: the marked pixels
    assert set(stamped.timings_ms) == {"watermark", "hashes", "xmp_png", "c2pa_png", "preview"}


def test_c2pa_manifest_validates_and_is_trusted_with_our_root(stamped, signing_root):
    root = signing.load_signing_identity(signing_root).root_pem

    plain = c2pa_manifest.read(stamped.original_png, mime_type="image/png")
    trusted = c2pa_manifest.read(stamped.original_png, mime_type="image/png", trust_root_pem=root)

    assert plain.state == "Valid"
    assert plain.failures == []
    assert trusted.state == "Trusted"
    assert trusted.label == stamped.manifest_id
    assert trusted.assertion["piece_id"] == str(stamped.piece_id)
    assert trusted.assertion["ledger_anchor"] == stamped.ledger_anchor
    assert trusted.assertion["pixel_sha256"] == stamped.pixel_sha256
    assert trusted.assertion["licence"] == stamped.licence_summary
    assert trusted.signer == "Promptfolio Content Credentials Signer"
    created = [a for a in trusted.actions if a["action"] == "c2pa.created"]
    assert created[0]["digitalSourceType"] == xmp.TRAINED_ALGORITHMIC_MEDIA
    assert created[0]["softwareAgent"] == {"name": "embedded", "version": "test"}


def test_changed_pixels_break_the_manifest(stamped):
    data = bytearray(stamped.original_png)
    data[data.index(b"IDAT") + 100] ^= 0x01

    status = c2pa_manifest.read(bytes(data), mime_type="image/png")

    assert status.state == "Invalid"
    assert any("dataHash.mismatch" in failure for failure in status.failures)


def test_untrusted_root_is_reported(stamped):
    other_root = signing.build_identity(organisation="Someone Else")["root-ca.pem"]
    status = c2pa_manifest.read(
        stamped.original_png, mime_type="image/png", trust_root_pem=other_root
    )
    assert status.state != "Trusted"
    assert any("untrusted" in failure for failure in status.failures)


def test_unsigned_file_has_no_manifest():
    buffer = io.BytesIO()
    art(4).save(buffer, format="PNG")
    assert c2pa_manifest.read(buffer.getvalue(), mime_type="image/png").state == "Missing"


def test_xmp_packet_survives_signing(stamped):
    packet = xmp.read_packet(stamped.original_png)
    fields = xmp.parse_packet(packet)
    url = f"https://promptfolio.test/verify/{stamped.piece_id}/"
    assert fields == {
        "digital_source_type": xmp.TRAINED_ALGORITHMIC_MEDIA,
        "web_statement": url,
        "identifier": f"urn:uuid:{stamped.piece_id}",
        "credit": "Promptfolio",
        "creator": "Ada Painter",
        "piece_url": url,
    }


@pytest.mark.parametrize("size", [(512, 512), (301, 257), (1, 1)])
def test_png_writer_is_lossless_and_carries_the_packet(size):
    pixels = np.random.default_rng(1).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    packet = xmp.build_packet(xmp.XmpFields(creator="Zoë", piece_url="https://x/", piece_id="p"))

    data = xmp.encode_png(pixels, packet)

    image = Image.open(io.BytesIO(data))
    assert (image.format, image.mode, image.size) == ("PNG", "RGB", size)
    assert np.array_equal(np.asarray(image), pixels)
    assert xmp.read_packet(data) == packet


def test_xmp_escapes_markup_in_names():
    packet = xmp.build_packet(
        xmp.XmpFields(creator='<Bob & "Co">', piece_url="https://x/?a=1&b=2", piece_id="p")
    )
    fields = xmp.parse_packet(packet)
    assert fields["creator"] == '<Bob & "Co">'
    assert fields["piece_url"] == "https://x/?a=1&b=2"


def test_preview_is_marked_signed_jpeg(stamped, signing_root):
    preview = Image.open(io.BytesIO(stamped.preview_bytes))
    assert preview.format == "JPEG"
    assert max(preview.size) <= 768
    assert xmp.parse_packet(xmp.read_packet(stamped.preview_bytes))["creator"] == "Ada Painter"
    status = c2pa_manifest.read(stamped.preview_bytes, mime_type="image/jpeg")
    assert status.state == "Valid"
    assert status.label == stamped.preview_manifest_id
    assert status.assertion["rendition"] == "preview"
    assert watermark.decode(preview).value == stamped.watermark_id


def test_large_image_gets_a_downscaled_marked_preview():
    image = art(5, (1024, 1024))
    stamped = provenance_stamp_image(
        image=image, piece_id=uuid.uuid4(), creator_name="A", engine=ENGINE
    )
    preview = Image.open(io.BytesIO(stamped.preview_bytes))
    assert preview.size == (768, 768)
    assert watermark.decode(preview).value == stamped.watermark_id
    original = Image.open(io.BytesIO(stamped.original_png))
    assert original.size == (1024, 1024)
    assert watermark.decode(original).value == stamped.watermark_id


def test_each_stamp_gets_its_own_watermark_id():
    ids = {
        provenance_stamp_image(
            image=art(6), piece_id=uuid.uuid4(), creator_name="A", engine=ENGINE
        ).watermark_id
        for _ in range(3)
    }
    assert len(ids) == 3
    assert all(0 <= value < 2**32 for value in ids)
