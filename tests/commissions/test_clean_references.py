"""Brief reference photos as the creator and a moderator see them: uploaded by the buyer
through the brief form, served without GPS, camera serial, XMP, IPTC or text chunks, upright,
with the same pixels; the hash of the bytes as uploaded is kept and shown on the case page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from commissions.models import Commission
from commissions.services import brief as svc
from disputes.services.filing import dispute_file
from tests.commissions.factories import pay
from tests.core.photos import SRGB, assert_clean, jpeg_with_gps, png_with_text, served_bytes, sha256
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db


def post_brief(client, buyer, creator, uploads) -> Commission:
    client.force_login(buyer)
    response = client.post(
        reverse("commissions:brief_create", kwargs={"creator_id": creator.pk}),
        {
            "brief": "A fox in the snow, like these photos",
            "deadline": (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "budget": "50",
            "references": uploads,
        },
    )
    assert response.status_code == 302
    return Commission.objects.get()


def dispute_the_delivery(commission, buyer, creator):
    svc.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(svc.commission_brief_order(commission=commission, buyer=buyer))
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=[make_piece(creator)])
    return dispute_file(
        claimant=buyer,
        kind="non_delivery",
        statement="The delivered file is not the fox poster I asked for.",
        commission=commission,
    )


def test_creator_and_moderator_get_the_references_without_metadata(
    client, buyer, creator, moderator
):
    originals = {"fox.jpg": jpeg_with_gps(), "snow.png": png_with_text()}
    uploads = [SimpleUploadedFile(name, data) for name, data in originals.items()]
    commission = post_brief(client, buyer, creator, uploads)
    references = list(commission.references.order_by("pk"))
    dispute = dispute_the_delivery(commission, buyer, creator)

    assert [r.original_sha256 for r in references] == [sha256(d) for d in originals.values()]
    for viewer in (creator, moderator):
        client.force_login(viewer)
        for reference, original, icc in zip(references, originals.values(), (SRGB, None)):
            url = reverse(
                "commissions:reference",
                kwargs={"commission_id": commission.pk, "reference_id": reference.pk},
            )
            assert_clean(served_bytes(client, url), original=original, icc_profile=icc)

    page = client.get(reverse("disputes:moderation_case", kwargs={"dispute_id": dispute.pk}))
    html = page.content.decode()
    assert all(reference.original_sha256 in html for reference in references)
