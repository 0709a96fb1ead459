"""Brief reference images: hardened uploads (size, sniffed type, pixel bombs, re-encoding)
and an authorised view for the buyer and the creator only."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from commissions.models import Commission, CommissionReference
from core.errors import ApplicationError
from tests.commissions.test_services_brief import make_brief
from tests.factories import UserFactory, image_upload

pytestmark = pytest.mark.django_db


def png_bytes(size, mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_exif() -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (10, 200, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90°
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x010E] = "taken at 51.5N 0.1W"  # image description
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("holiday.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("big.png", b"\x89PNG" + b"\0" * (8 * 1024 * 1024 + 1)),
            "the limit is 8 MB",
        ),
        (SimpleUploadedFile("doc.png", b"%PDF-1.4\n1 0 obj<<>>endobj\n"), "not an image"),
        (
            SimpleUploadedFile("x.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
            "not an image|script content",
        ),
        (SimpleUploadedFile("wide.png", png_bytes((5000, 4000), mode="1")), "too large"),
        (
            SimpleUploadedFile("bomb.png", png_bytes((20000, 10000), mode="1")),
            "not an image|too many pixels",
        ),
        (image_upload(name="old.bmp", fmt="BMP"), "Upload a PNG, JPEG, WebP or GIF"),
        (SimpleUploadedFile("cut.png", png_bytes((64, 48))[:60]), "damaged or incomplete"),
    ],
    ids=["too-big", "pdf", "svg", "too-many-pixels", "decompression-bomb", "bmp", "truncated"],
)
def test_bad_references_are_refused_and_nothing_is_written(buyer, creator, upload, message):
    with pytest.raises(ApplicationError, match=message) as error:
        make_brief(buyer, creator, references=[image_upload(), upload])
    assert error.value.field == "references" and upload.name in error.value.message
    assert not Commission.objects.exists() and not CommissionReference.objects.exists()


def test_at_most_four_references(buyer, creator):
    with pytest.raises(ApplicationError, match="at most 4"):
        make_brief(buyer, creator, references=[image_upload() for _ in range(5)])
    assert not Commission.objects.exists()


def test_reference_is_re_encoded_without_metadata_and_upright(buyer, creator):
    commission = make_brief(buyer, creator, references=[jpeg_with_exif()])
    reference = commission.references.get()

    with storages["default"].open(reference.image.name, "rb") as handle:
        stored = Image.open(handle)
        stored.load()
    assert stored.format == "PNG" and stored.size == (48, 64) == (reference.width, reference.height)
    assert not stored.getexif() and "exif" not in stored.info
    assert not storages["previews"].exists(reference.image.name)  # private storage only


def test_only_buyer_and_creator_can_view_a_reference(client, buyer, creator):
    commission = make_brief(buyer, creator, references=[image_upload(size=(32, 16))])
    reference = commission.references.get()
    url = reverse(
        "commissions:reference",
        kwargs={"commission_id": commission.pk, "reference_id": reference.pk},
    )

    for user in (buyer, creator):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (32, 16)
    page = client.get(reverse("commissions:detail", kwargs={"commission_id": commission.pk}))
    assert f'src="{url}"' in page.content.decode()
    assert reference.image.name not in page.content.decode()  # no storage path or media URL

    for user in (UserFactory(), UserFactory(moderator=True), UserFactory(creator=True)):
        client.force_login(user)
        assert client.get(url).status_code == 404
    other = make_brief(buyer, UserFactory(creator=True))
    client.force_login(creator)  # right reference id, wrong commission
    wrong = reverse(
        "commissions:reference", kwargs={"commission_id": other.pk, "reference_id": reference.pk}
    )
    assert client.get(wrong).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_references_upload_through_the_form(client, buyer, creator):
    client.force_login(buyer)
    deadline = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("commissions:brief_create", kwargs={"creator_id": creator.pk}),
        {
            "brief": "A fox",
            "deadline": deadline,
            "budget": "50",
            "references": [image_upload(name="a.png"), image_upload(name="b.jpg", fmt="JPEG")],
        },
    )
    commission = Commission.objects.get()
    assert response.status_code == 302
    assert commission.references.count() == 2


def test_malicious_reference_through_the_form_is_a_clear_error(client, buyer, creator):
    client.force_login(buyer)
    deadline = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("commissions:brief_create", kwargs={"creator_id": creator.pk}),
        {
            "brief": "A fox",
            "deadline": deadline,
            "budget": "50",
            "references": [SimpleUploadedFile("evil.png", b"<?php system($_GET['c']); ?>")],
        },
    )
    assert response.status_code == 400
    assert "evil.png" in response.content.decode()
    assert not Commission.objects.exists()


def test_moderators_see_references_only_while_a_dispute_links_the_brief(
    client, buyer, creator, moderator
):
    from commissions.services import brief as svc
    from disputes.services.decisions import dispute_close, dispute_decide
    from disputes.services.filing import dispute_file
    from tests.commissions.factories import pay
    from tests.marketplace.factories import make_piece

    commission = make_brief(buyer, creator, references=[image_upload(size=(32, 16))])
    reference = commission.references.get()
    url = reverse(
        "commissions:reference",
        kwargs={"commission_id": commission.pk, "reference_id": reference.pk},
    )
    svc.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(svc.commission_brief_order(commission=commission, buyer=buyer))
    svc.commission_brief_deliver(commission=commission, actor=creator, pieces=[make_piece(creator)])
    outsiders = (UserFactory(), UserFactory(creator=True))

    def status_for(user) -> int:
        client.force_login(user)
        return client.get(url).status_code

    assert status_for(moderator) == 404  # no dispute yet
    dispute = dispute_file(
        claimant=buyer,
        kind="non_delivery",
        statement="The delivered file is not the fox poster I asked for.",
        commission=commission,
    )
    other_brief = make_brief(buyer, creator, references=[image_upload()])
    other_url = reverse(
        "commissions:reference",
        kwargs={"commission_id": other_brief.pk, "reference_id": other_brief.references.get().pk},
    )

    client.force_login(moderator)  # active dispute: streamed, and shown on the case page
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (32, 16)
    case = client.get(reverse("disputes:moderation_case", kwargs={"dispute_id": dispute.pk}))
    html = case.content.decode()
    assert 'id="case-references"' in html and f'src="{url}"' in html
    assert reference.image.name not in html
    assert client.get(other_url).status_code == 404  # an undisputed brief of the same buyer
    assert [status_for(user) for user in outsiders] == [404, 404]

    dispute_decide(dispute=dispute, actor=moderator, outcome="rejected", decision="Looks fine.")
    assert status_for(moderator) == 200  # decided: it can still be appealed
    assert [status_for(user) for user in outsiders] == [404, 404]

    dispute_close(dispute=dispute, actor=moderator)
    assert status_for(moderator) == 404  # closed: back to the parties only
    assert [status_for(user) for user in (buyer, creator)] == [200, 200]
