"""Who may edit a licensed piece: the terms version a grant was sold under decides
(licensing answers generation's may_derive hook)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.errors import ApplicationError, PermissionDeniedError
from generation.models import GenerationJob
from generation.selectors.pieces import piece_editable_by
from generation.services.edits import job_create_edit
from generation.services.uploads import UploadSpec, job_create_from_upload
from licensing.models import LicenceGrant, TermsVersion
from licensing.services.grants import licence_grant_issue
from tests.generation.factories import scripted_piece
from tests.licensing.licences import paid_line, published_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _engines(scripted_engine, generation_wakeups, tiers):
    pass


@pytest.fixture
def piece(creator):
    return scripted_piece(creator, seed=7)


def licensed(piece, buyer, tier_code: str) -> LicenceGrant:
    listing = published_listing(piece.owner, pieces=[piece])
    line = paid_line(listing=listing, buyer=buyer, tier_code=tier_code)
    return licence_grant_issue(order_line=line, licensee=buyer)


@pytest.mark.parametrize("tier_code", ["standard", "extended"])
def test_a_licence_whose_terms_allow_derivatives_lets_the_licensee_edit(piece, buyer, tier_code):
    licensed(piece, buyer, tier_code)

    job = job_create_edit(owner=buyer, piece=piece, kind="variation", strength=0.5)

    assert (job.owner, job.parent_piece, job.edit_kind) == (buyer, piece, "variation")


def test_a_personal_licence_allows_no_edits(piece, buyer):
    licensed(piece, buyer, "personal")

    with pytest.raises(PermissionDeniedError, match="You may not edit this image"):
        job_create_edit(owner=buyer, piece=piece, kind="upscale", upscale=2)
    assert not GenerationJob.objects.filter(owner=buyer).exists()


def test_a_grant_sold_under_the_terms_before_the_derivatives_term_keeps_them(piece, buyer):
    grant = licensed(piece, buyer, "extended")
    v1 = TermsVersion.objects.get(tier=grant.tier, version=1)
    LicenceGrant.objects.filter(pk=grant.pk).update(terms=v1, terms_version=1)

    assert not piece_editable_by(user=buyer, piece=piece)


def test_a_revoked_licence_allows_no_edits(piece, buyer):
    grant = licensed(piece, buyer, "extended")
    assert piece_editable_by(user=buyer, piece=piece)
    LicenceGrant.objects.filter(pk=grant.pk).update(status="revoked", revoked_at=grant.issued_at)

    assert not piece_editable_by(user=buyer, piece=piece)


def test_the_library_offers_edit_only_where_the_terms_allow_it(client, creator, buyer):
    extended_piece, personal_piece = (
        scripted_piece(creator, seed=8),
        scripted_piece(creator, seed=9),
    )
    licensed(extended_piece, buyer, "extended")
    licensed(personal_piece, buyer, "personal")
    client.force_login(buyer)

    page = client.get(reverse("licensing:library")).content.decode()

    assert reverse("piece_edit", args=[extended_piece.pk]) in page
    assert reverse("piece_edit", args=[personal_piece.pk]) not in page
    assert client.get(reverse("piece_edit", args=[extended_piece.pk])).status_code == 200
    assert client.get(reverse("piece_edit", args=[personal_piece.pk])).status_code == 404


def _stripped_upload(piece) -> SimpleUploadedFile:
    """The piece as a re-encoded JPEG: manifest and XMP gone, found by its watermark."""
    with piece.original.open("rb") as handle:
        pixels = Image.open(handle).convert("RGB")
    buffer = io.BytesIO()
    Image.frombytes("RGB", pixels.size, pixels.tobytes()).save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("found.jpg", buffer.getvalue())


def test_an_upload_of_a_piece_licensed_for_derivatives_starts_from_it(creator, buyer):
    piece = scripted_piece(creator, size=(512, 512), seed=21)
    licensed(piece, buyer, "standard")

    job = job_create_from_upload(
        owner=buyer,
        upload=_stripped_upload(piece),
        spec=UploadSpec(prompt="in autumn", strength=0.5, engine="scripted"),
    )

    assert (job.owner, job.parent_piece, job.edit_kind) == (buyer, piece, "image")


def test_an_upload_of_a_piece_under_a_personal_licence_is_refused(creator, buyer):
    piece = scripted_piece(creator, size=(512, 512), seed=22)
    licensed(piece, buyer, "personal")

    with pytest.raises(ApplicationError, match="terms allow derivatives"):
        job_create_from_upload(
            owner=buyer,
            upload=_stripped_upload(piece),
            spec=UploadSpec(prompt="in autumn", strength=0.5, engine="scripted"),
        )
    assert not GenerationJob.objects.filter(owner=buyer).exists()
