"""Evidence uploads: automatic watermark/pHash identification, PDFs, links, and bad files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import ApplicationError, PermissionDeniedError
from disputes.models import Evidence
from disputes.services.evidence import dispute_evidence_add
from disputes.services.filing import dispute_file
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db

STATEMENT = "This listing copies my published work exactly, see the evidence."


@pytest.fixture
def case(creator):
    listing = make_listing(creator, publish=True)
    claimant = UserFactory()
    dispute = dispute_file(
        claimant=claimant, kind="infringement", statement=STATEMENT, listing=listing
    )
    return dispute, listing, claimant


def png_upload(image: Image.Image, name="copy.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_image_evidence_is_identified_by_watermark_and_phash(case):
    dispute, listing, claimant = case
    piece = listing.pieces.get()
    with piece.original.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    evidence = dispute_evidence_add(
        dispute=dispute, actor=claimant, upload=png_upload(image), description="Their copy"
    )
    assert evidence.kind == "image" and evidence.content_type == "image/png"
    assert evidence.analysis["watermark"]["piece_id"] == str(piece.pk)
    assert evidence.analysis["watermark"]["exact"] is True
    assert [m["piece_id"] for m in evidence.analysis["matches"]] == [str(piece.pk)]
    assert evidence.analysis["matches"][0]["distance"] == 0
    assert evidence.file.name.startswith(f"evidence/{dispute.pk}/")
    assert list(dispute.events.values_list("action", flat=True)) == ["filed", "evidence_added"]


def test_pdf_is_accepted_by_its_magic_bytes(case):
    dispute, _, claimant = case
    upload = SimpleUploadedFile("contract.bin", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n")
    evidence = dispute_evidence_add(dispute=dispute, actor=claimant, upload=upload)
    assert (evidence.kind, evidence.content_type) == ("pdf", "application/pdf")


def test_link_evidence(case):
    dispute, _, claimant = case
    evidence = dispute_evidence_add(dispute=dispute, actor=claimant, url="https://example.com/a")
    assert (evidence.kind, evidence.url) == ("link", "https://example.com/a")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"), "image .* or a PDF"),
        (SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>"), "script content"),
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 3000), "the limit is"),
    ],
)
def test_bad_files_are_refused(case, settings, upload, message):
    settings.EVIDENCE_MAX_BYTES = 2048
    dispute, _, claimant = case
    with pytest.raises(ApplicationError, match=message):
        dispute_evidence_add(dispute=dispute, actor=claimant, upload=upload)
    assert not Evidence.objects.exists()


def test_decompression_bomb_is_refused_before_decoding(case, settings):
    settings.EVIDENCE_MAX_PIXELS = 100 * 100
    dispute, _, claimant = case
    upload = png_upload(Image.new("RGB", (400, 400)), "bomb.png")
    with pytest.raises(ApplicationError, match="too large") as caught:
        dispute_evidence_add(dispute=dispute, actor=claimant, upload=upload)
    assert caught.value.code == "too_many_pixels"
    assert not Evidence.objects.exists()


def test_strangers_cannot_add_evidence_and_links_need_http(case):
    dispute, _, claimant = case
    with pytest.raises(PermissionDeniedError):
        dispute_evidence_add(dispute=dispute, actor=UserFactory(), url="https://example.com")
    with pytest.raises(ApplicationError, match="http"):
        dispute_evidence_add(dispute=dispute, actor=claimant, url="javascript:alert(1)")
    assert not Evidence.objects.exists()
