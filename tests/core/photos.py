"""Uploads that carry location and device metadata, and checks on what is served back.

`jpeg_with_gps()` is a phone photo: EXIF with GPS, camera make/model/serial and an
orientation tag, XMP, an IPTC block, a comment and an sRGB ICC profile. `png_with_text()` is a
PNG with text, compressed-text, international-text (XMP) and EXIF chunks. `assert_clean` checks
the bytes a viewer receives: a PNG of the same upright pixels, the ICC profile, nothing else."""

from __future__ import annotations

import hashlib
import io
import struct

import requests
from PIL import Image, ImageCms, ImageOps, PngImagePlugin

SECRETS = (
    b"SN-SECRET-4242",  # body serial number
    b"SecretCam",  # camera make
    b"Model-X9",  # camera model
    b"xmp-secret-place",  # XMP
    b"iptc-secret-city",  # IPTC
    b"comment-secret",  # JPEG comment / PNG text
)
GPS_IFD = 0x8825
ORIENTATION = 0x0112
BODY_SERIAL = 0xA431
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="xmp-secret-place"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def quadrants(size=(64, 48)) -> Image.Image:
    """Four colours, so a missing or wrong rotation changes the pixels."""
    width, height = size
    image = Image.new("RGB", size, (20, 40, 200))
    image.paste((220, 30, 30), (0, 0, width // 2, height // 2))
    image.paste((30, 200, 60), (width // 2, 0, width, height // 2))
    image.paste((240, 220, 20), (0, height // 2, width // 2, height))
    return image


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"
    exif[0x0110] = "Model-X9"
    exif.get_ifd(0x8769)[BODY_SERIAL] = "SN-SECRET-4242"
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}  # 51°30'26"N 0°7'39"W
    )
    return exif


def _with_iptc(jpeg: bytes) -> bytes:
    """Insert an APP13 (Photoshop/IPTC) segment after the JPEG's start marker."""
    record = b"\x1c\x02\x5a" + struct.pack(">H", 16) + b"iptc-secret-city"  # 2:90 City
    block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    payload = b"Photoshop 3.0\x00" + block
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def jpeg_with_gps() -> bytes:
    buffer = io.BytesIO()
    quadrants().save(
        buffer,
        format="JPEG",
        quality=95,
        exif=gps_exif(),
        xmp=XMP,
        comment=b"comment-secret",
        icc_profile=SRGB,
    )
    return _with_iptc(buffer.getvalue())


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "comment-secret")
    info.add_text("Location", "xmp-secret-place", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    quadrants().convert("RGBA").save(buffer, format="PNG", pnginfo=info, exif=gps_exif())
    return buffer.getvalue()


def upright_pixels(data: bytes) -> Image.Image:
    """What a viewer should see: the upload's pixels with its orientation applied."""
    image = Image.open(io.BytesIO(data))
    return ImageOps.exif_transpose(image)


def served_bytes(client, url: str) -> bytes:
    """The bytes a viewer receives from one of our download views: streamed by the view, or
    (S3 in CI) from the short-lived signed URL it redirects to."""
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith("http"):
        fetched = requests.get(response["Location"], timeout=30)
        assert fetched.status_code == 200
        return fetched.content
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def assert_clean(served: bytes, *, original: bytes, icc_profile: bytes | None = SRGB) -> None:
    image = Image.open(io.BytesIO(served))
    image.load()
    assert image.format == "PNG"
    assert not any(secret in served for secret in SECRETS)
    assert b"Exif" not in served and b"eXIf" not in served and b"<x:xmpmeta" not in served
    assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    assert not getattr(image, "text", {})
    assert set(image.info) <= {"icc_profile"}
    assert image.info.get("icc_profile") == icc_profile
    expected = upright_pixels(original)
    assert (image.mode, image.size) == (expected.mode, expected.size)
    assert image.tobytes() == expected.tobytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
