import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from provenance.models import LedgerKind
from provenance.services.ledger import ledger_append
from tests.provenance.factories import art, stamped_piece

pytestmark = pytest.mark.django_db


def upload(image: Image.Image, fmt: str = "JPEG", name: str = "check.jpg", **options):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_verify_page_shows_record_ledger_and_disclosure(client, creator, buyer):
    piece, record, _ = stamped_piece(owner=creator, seed=41)
    ledger_append(piece=piece, kind=LedgerKind.LICENSED, actor=buyer, data={"tier": "standard"})

    response = client.get(reverse("provenance:verify_piece", args=[piece.id]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "AI-generated image." in body
    assert creator.public_name in body
    assert record.sha256 in body
    assert record.c2pa_manifest_id in body
    assert '<strong class="c2pa-state">Trusted</strong>' in body
    assert "Created" in body and "Licensed" in body
    assert "The creator keeps the prompt private." in body
    assert record.prompt not in body
    assert record.negative_prompt not in body


def test_verify_page_shows_a_public_prompt(client, creator):
    piece, record, _ = stamped_piece(owner=creator, seed=42, prompt_public=True)
    response = client.get(reverse("provenance:verify_piece", args=[piece.id]))
    assert record.prompt in response.content.decode()


def test_verify_page_for_unknown_piece_is_404(client):
    response = client.get("/verify/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404


def test_upload_identifies_a_reencoded_copy_by_watermark(client, creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=43)
    copy = Image.open(io.BytesIO(stamped.original_png)).resize((400, 400))

    response = client.post(reverse("provenance:verify"), {"image": upload(copy, quality=80)})

    assert response.status_code == 200
    result = response.context["result"]
    assert result.watermark_record.piece_id == piece.id
    assert result.watermark_exact
    assert [r.piece_id for r, _ in result.phash_matches] == [piece.id]
    assert f"/verify/{piece.id}/" in response.content.decode()


def test_upload_of_signed_original_reports_its_manifest(client, creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=44)
    file = SimpleUploadedFile("p.png", stamped.original_png, content_type="image/png")

    response = client.post(reverse("provenance:verify"), {"image": file})

    assert response.context["manifest"].state == "Valid"
    assert response.context["manifest"].assertion["piece_id"] == str(piece.id)


def test_unknown_image_is_not_identified(client, creator):
    stamped_piece(owner=creator, seed=45)
    response = client.post(reverse("provenance:verify"), {"image": upload(art(123))})
    assert response.status_code == 200
    assert not response.context["result"].found
    assert "No Promptfolio watermark was found" in response.content.decode()


def test_upload_is_bounded_and_validated(client, settings):
    settings.PROVENANCE_VERIFY_MAX_BYTES = 1000
    response = client.post(reverse("provenance:verify"), {"image": upload(art(1), "PNG")})
    assert response.status_code == 400
    assert response.context["result"] is None
    assert "limit" in response.content.decode()

    settings.PROVENANCE_VERIFY_MAX_BYTES = 5_000_000
    bogus = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = client.post(reverse("provenance:verify"), {"image": bogus})
    assert response.status_code == 400
    assert "not an image we can read" in response.content.decode()


def test_lookup_form_renders(client):
    response = client.get(reverse("provenance:verify"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()
