"""The two upload rules in core: the metadata-free re-encoding and the PDF check."""

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.images import image_without_metadata
from core.uploads import check_untrusted_pdf, upload_sha256
from tests.core.photos import SRGB, assert_clean, jpeg_with_gps, quadrants, sha256


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_a_phone_photo_loses_its_metadata_but_keeps_pixels_orientation_and_colours():
    original = jpeg_with_gps()
    clean = image_without_metadata(Image.open(io.BytesIO(original)))
    assert_clean(clean.data, original=original, icc_profile=SRGB)
    assert (clean.width, clean.height) == (48, 64)  # orientation 6: turned upright


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        (quadrants().convert("P"), "RGB"),
        (quadrants().convert("RGBA").convert("P"), "RGBA"),  # palette with transparency
        (quadrants().convert("LA"), "LA"),
    ],
    ids=["palette", "palette-transparent", "grey-alpha"],
)
def test_other_modes_become_png_modes_with_the_same_look(source, mode):
    if mode == "RGBA":
        source.info["transparency"] = 0
    data = encoded(source, "PNG")
    clean = Image.open(io.BytesIO(image_without_metadata(Image.open(io.BytesIO(data))).data))
    assert clean.mode == mode
    expected = Image.open(io.BytesIO(data)).convert(mode)
    assert clean.tobytes() == expected.tobytes()


def test_a_cmyk_jpeg_drops_its_cmyk_profile():
    data = encoded(quadrants().convert("CMYK"), "JPEG", icc_profile=b"not-an-rgb-profile")
    clean = Image.open(io.BytesIO(image_without_metadata(Image.open(io.BytesIO(data))).data))
    assert clean.mode == "RGB" and "icc_profile" not in clean.info


def test_upload_sha256_is_of_the_bytes_as_received_and_rewinds():
    upload = SimpleUploadedFile("a.bin", b"evidence bytes")
    assert upload_sha256(upload) == sha256(b"evidence bytes")
    assert upload.read() == b"evidence bytes"


def test_a_plain_pdf_passes():
    content = zlib.compress(b"BT /F1 12 Tf (Invoice 42) Tj ET")
    check_untrusted_pdf(
        b"%PDF-1.7\n1 0 obj<< /Type /Catalog /Pages 2 0 R /Names << /Dests 3 0 R >> >>endobj\n"
        b"4 0 obj<< /Length 9 /Filter /FlateDecode >>stream\n" + content + b"\nendstream\n"
    )


@pytest.mark.parametrize(
    "hidden",
    [b"<< /S /JavaScript /JS (app.alert(1)) >>", b"<script>alert(1)</script>"],
    ids=["js-action", "markup"],
)
def test_script_hidden_in_a_compressed_object_stream_is_found(hidden):
    data = (
        b"%PDF-1.7\n5 0 obj<< /Type /ObjStm /Filter /FlateDecode >>stream\n"
        + zlib.compress(hidden)
        + b"\nendstream\nendobj\n"
    )
    assert hidden not in data
    with pytest.raises(ValidationError) as caught:
        check_untrusted_pdf(data)
    assert caught.value.code == "active_content"


def test_names_only_match_whole_tokens():
    check_untrusted_pdf(b"%PDF-1.4\n1 0 obj<< /JSONData 1 /Launcher 2 /OpenActionX 3 >>endobj")
