"""Hostile uploads on every upload endpoint: a decompression bomb, another type wearing an
image extension, an oversized file, an HTML page and an image/HTML polyglot are each refused
with a clear form error (400) and nothing is stored, neither rows nor files."""

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from commissions.models import Commission, CommissionReference
from disputes.models import Evidence
from disputes.services.filing import dispute_file
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def png_bytes(size=(64, 64), color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 60_000) -> bytes:
    """A few kilobytes that declare 60,000 × 60,000 pixels (3.6 gigapixels, ~10 GB RGB)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (side * 3 + 1) * 4, 9)  # a few rows; the rest never comes
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def bmp_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(buffer, format="BMP")
    return buffer.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@dataclass(frozen=True)
class Payload:
    name: str
    content_type: str
    data: bytes
    message: str  # the clear error the form shows


PAYLOADS = {
    "bomb": Payload("huge.png", "image/png", bomb_png(), "too many pixels"),
    "bmp_as_png": Payload(
        "photo.png", "image/png", bmp_bytes(), "Upload a PNG, JPEG, WebP or GIF image."
    ),
    "zip_as_jpg": Payload(
        "photo.jpg", "image/jpeg", b"PK\x03\x04" + b"\x00" * 400, "not an image we can read"
    ),
    "html_as_png": Payload("photo.png", "image/png", HTML, "web page or script content"),
    "png_html_polyglot": Payload(
        "photo.png", "image/png", png_bytes() + HTML, "web page or script content"
    ),
    "truncated_png": Payload(
        "photo.png", "image/png", png_bytes((256, 256))[:300], "damaged or incomplete"
    ),
    "oversized": Payload(
        "big.png", "image/png", png_bytes() + b"\x00" * (8 * MB + 1), "the limit is"
    ),
}
# For dispute evidence a PDF is fine, and unreadable files get the evidence form's wording.
EVIDENCE_UNREADABLE = "Upload an image (PNG, JPEG, WebP, GIF) or a PDF."


def stored_files() -> set[str]:
    """Every file in both storages (local folders, or the S3 buckets in CI)."""
    found = set()
    for alias in ("default", "previews"):
        storage = storages[alias]

        def walk(path, storage=storage, alias=alias):
            try:
                directories, files = storage.listdir(path)
            except FileNotFoundError:
                return
            found.update(f"{alias}:{path}{name}" for name in files)
            for directory in directories:
                walk(f"{path}{directory}/")

        walk("")
    return found


@dataclass
class Endpoint:
    url: str
    field: str
    data: dict
    rows: object  # () -> a tuple that must not change
    unreadable_message: str | None = None


@pytest.fixture
def endpoint(request, client, creator):
    kind = request.param
    if kind == "avatar":
        user = UserFactory()
        client.force_login(user)
        return Endpoint(
            "/accounts/creator/",
            "avatar",
            {"display_name": "Mara Ink", "bio": "Prints."},
            lambda: (
                UserFactory._meta.model.objects.get(pk=user.pk).avatar.name or "",
                UserFactory._meta.model.objects.get(pk=user.pk).is_creator,
            ),
        )
    if kind == "evidence":
        claimant = UserFactory()
        dispute = dispute_file(
            claimant=claimant,
            kind="infringement",
            statement="This listing copies my published work exactly; evidence follows.",
            listing=make_listing(creator, publish=True),
        )
        client.force_login(claimant)
        return Endpoint(
            f"/disputes/{dispute.pk}/evidence/",
            "file",
            {"description": "their copy"},
            lambda: (Evidence.objects.count(), dispute.events.count()),
            unreadable_message=EVIDENCE_UNREADABLE,
        )
    if kind == "verify":
        return Endpoint("/verify/", "image", {}, lambda: ())
    if kind == "brief_references":
        client.force_login(UserFactory())
        deadline = (timezone.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
        return Endpoint(
            f"/creators/{creator.pk}/brief/",
            "references",
            {"brief": "A fox in the snow, ink.", "deadline": deadline, "budget": "80"},
            lambda: (Commission.objects.count(), CommissionReference.objects.count()),
        )
    raise AssertionError(kind)


ENDPOINTS = ["avatar", "evidence", "verify", "brief_references"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
@pytest.mark.parametrize("payload_name", list(PAYLOADS))
def test_hostile_upload_is_refused_with_a_form_error_and_nothing_is_stored(
    client, endpoint, payload_name
):
    payload = PAYLOADS[payload_name]
    rows_before, files_before = endpoint.rows(), stored_files()
    upload = SimpleUploadedFile(payload.name, payload.data, content_type=payload.content_type)

    response = client.post(endpoint.url, {**endpoint.data, endpoint.field: upload})

    assert response.status_code == 400
    page = response.content.decode()
    message = payload.message
    if endpoint.unreadable_message and payload_name in ("zip_as_jpg", "truncated_png"):
        message = endpoint.unreadable_message
    assert escape(message) in page or message in page, page[-3000:]
    assert endpoint.rows() == rows_before
    assert stored_files() == files_before


@pytest.mark.parametrize("endpoint", ENDPOINTS, indirect=True)
def test_a_plain_image_is_accepted(client, endpoint):
    """The control: the same endpoints take an honest PNG (so the refusals above mean it)."""
    upload = SimpleUploadedFile("ok.png", png_bytes((600, 600)), content_type="image/png")
    response = client.post(endpoint.url, {**endpoint.data, endpoint.field: upload})
    assert response.status_code in (200, 302)
    page = response.content.decode()
    assert "field-errors" not in page and "form-errors" not in page
