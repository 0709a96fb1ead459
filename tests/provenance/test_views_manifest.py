"""The ISCC on the record and verify page, and manifests recovered for stripped copies."""

import io
import json

import c2pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from generation.models import Piece
from provenance.selectors.records import (
    Identification,
    provenance_manifest_status,
    provenance_recover_manifest,
)
from tests.provenance.factories import stamped_piece

pytestmark = pytest.mark.django_db


def stripped_copy(stamped, quality: int = 80) -> SimpleUploadedFile:
    """What a re-post does: decode, re-encode as JPEG, no metadata (and so no manifest)."""
    buffer = io.BytesIO()
    Image.open(io.BytesIO(stamped.original_png)).convert("RGB").save(
        buffer, "JPEG", quality=quality
    )
    return SimpleUploadedFile("copy.jpg", buffer.getvalue(), content_type="image/jpeg")


def hide(piece) -> None:
    Piece.objects.filter(pk=piece.pk).update(hidden_at=timezone.now())


def test_the_record_stores_the_iscc_code(creator):
    _, record, stamped = stamped_piece(owner=creator, seed=61)
    record.refresh_from_db()
    assert record.iscc_code == stamped.iscc_code
    assert record.iscc_code.startswith("ISCC:EE")


def test_verify_page_shows_the_iscc_soft_bindings_and_the_download(client, creator):
    piece, record, _ = stamped_piece(owner=creator, seed=62)

    body = client.get(reverse("provenance:verify_piece", args=[piece.id])).content.decode()

    assert f'<code class="iscc-code">{record.iscc_code}</code>' in body
    assert (
        '<dd class="soft-bindings"><code>com.promptfolio.watermark.dwtdctsvd.v1</code>, '
        "<code>io.iscc.v0</code></dd>"
    ) in body
    assert f'href="/verify/{piece.id}/manifest.c2pa" download' in body


def test_a_stripped_copy_gets_its_manifest_recovered_from_our_records(client, creator):
    piece, record, stamped = stamped_piece(owner=creator, seed=63)

    response = client.post(reverse("provenance:verify"), {"image": stripped_copy(stamped)})

    assert response.status_code == 200
    assert response.context["manifest"].state == "Missing"
    recovered = response.context["recovered"]
    assert (recovered.record.pk, recovered.matched_by) == (piece.id, "watermark")
    assert recovered.status.state == "Trusted"
    assert recovered.status.label == record.c2pa_manifest_id
    body = response.content.decode()
    assert "recovered from our records" in body
    assert '<strong class="c2pa-state">Trusted</strong>' in body
    assert f"signed by {recovered.status.signer}" in body and recovered.status.signer
    assert f'href="/verify/{piece.id}/manifest.c2pa" download' in body


def test_a_copy_with_its_own_manifest_needs_no_recovery(client, creator):
    _, _, stamped = stamped_piece(owner=creator, seed=64)
    file = SimpleUploadedFile("p.png", stamped.original_png, content_type="image/png")

    response = client.post(reverse("provenance:verify"), {"image": file})

    assert response.context["manifest"].state == "Valid"
    assert response.context["recovered"] is None
    assert "recovered from our records" not in response.content.decode()


def test_a_hidden_pieces_stripped_copy_is_recovered_without_a_download(client, creator):
    piece, _, stamped = stamped_piece(owner=creator, seed=65)
    hide(piece)

    response = client.post(reverse("provenance:verify"), {"image": stripped_copy(stamped)})

    body = response.content.decode()
    assert "recovered from our records" in body
    assert "manifest.c2pa" not in body


def test_the_manifest_download_is_the_stored_originals_store(client, creator):
    piece, record, _ = stamped_piece(owner=creator, seed=66)

    response = client.get(reverse("provenance:verify_manifest", args=[piece.id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/c2pa"
    assert response["Content-Disposition"] == (
        f'attachment; filename="promptfolio-{piece.id}.c2pa"'
    )
    store = response.content
    assert store[4:8] == b"jumb"
    with c2pa.Reader("application/c2pa", io.BytesIO(store)) as reader:
        read = json.loads(reader.json())
    assert read["active_manifest"] == record.c2pa_manifest_id
    labels = [a["label"] for a in read["manifests"][record.c2pa_manifest_id]["assertions"]]
    assert "c2pa.soft-binding" in labels
    assert provenance_manifest_status(record=record).label == record.c2pa_manifest_id


def test_the_manifest_download_is_404_for_unknown_and_hidden_pieces(client, creator):
    piece, _, _ = stamped_piece(owner=creator, seed=67)
    unknown = "00000000-0000-4000-8000-000000000000"
    hide(piece)

    assert client.get(f"/verify/{unknown}/manifest.c2pa").status_code == 404
    assert client.get(reverse("provenance:verify_manifest", args=[piece.id])).status_code == 404
    page = client.get(reverse("provenance:verify_piece", args=[piece.id])).content.decode()
    assert "manifest.c2pa" not in page


def test_without_a_watermark_the_nearest_fingerprint_match_is_recovered(creator):
    _, record, _ = stamped_piece(owner=creator, seed=68)
    found = Identification(watermark_value=0, watermark_strength=0.0, phash_matches=[(record, 3)])

    recovered = provenance_recover_manifest(identification=found)

    assert (recovered.record, recovered.matched_by) == (record, "fingerprint")
    assert recovered.status.state == "Trusted"
    assert provenance_recover_manifest(identification=Identification(0, 0.0)) is None
