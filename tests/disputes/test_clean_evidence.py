"""Evidence as the other side sees it: a photo uploaded by one party reaches the other party
and the moderator without GPS, camera serial, XMP, IPTC or text chunks, upright and with the
same pixels; the hash of the bytes as uploaded is kept and shown to moderators only; a file
that only starts like a PDF but carries markup or auto-run actions is refused, nothing stored;
evidence stored before cleaning existed is re-encoded by `manage.py clean_evidence_metadata`."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from disputes.models import Evidence
from disputes.services.filing import dispute_file
from tests.core.photos import SRGB, assert_clean, jpeg_with_gps, png_with_text, served_bytes, sha256
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.storage import stored_names

pytestmark = pytest.mark.django_db

STATEMENT = "This listing copies my published work exactly, see the evidence."


@pytest.fixture
def case(creator):
    listing = make_listing(creator, publish=True)
    claimant = UserFactory()
    dispute = dispute_file(
        claimant=claimant, kind="infringement", statement=STATEMENT, listing=listing
    )
    return dispute, claimant, creator


def upload_as(client, user, dispute, upload):
    client.force_login(user)
    return client.post(
        reverse("disputes:dispute_evidence", kwargs={"dispute_id": dispute.pk}), {"file": upload}
    )


def download_url(evidence) -> str:
    return reverse(
        "disputes:evidence_download",
        kwargs={"dispute_id": evidence.dispute_id, "evidence_id": evidence.pk},
    )


@pytest.mark.parametrize(
    ("name", "make", "icc_profile"),
    [("phone.jpg", jpeg_with_gps, SRGB), ("notes.png", png_with_text, None)],
    ids=["jpeg-gps-serial-xmp-iptc", "png-text-chunks"],
)
def test_the_other_party_and_the_moderator_get_the_image_without_metadata(
    client, case, moderator, name, make, icc_profile
):
    dispute, claimant, respondent = case
    original = make()

    response = upload_as(client, claimant, dispute, SimpleUploadedFile(name, original))

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.content_type) == ("image", "image/png")
    assert evidence.original_sha256 == sha256(original) != evidence.sha256
    for viewer in (respondent, moderator):
        client.force_login(viewer)
        served = served_bytes(client, download_url(evidence))
        assert_clean(served, original=original, icc_profile=icc_profile)
        assert sha256(served) == evidence.sha256 and len(served) == evidence.size


def test_moderators_see_the_original_hash_and_parties_do_not(client, case, moderator):
    dispute, claimant, respondent = case
    upload_as(client, claimant, dispute, SimpleUploadedFile("phone.jpg", jpeg_with_gps()))
    evidence = Evidence.objects.get()

    client.force_login(moderator)
    page = client.get(reverse("disputes:moderation_case", kwargs={"dispute_id": dispute.pk}))
    assert evidence.original_sha256 in page.content.decode()
    client.force_login(respondent)
    page = client.get(reverse("disputes:dispute_detail", kwargs={"dispute_id": dispute.pk}))
    assert page.status_code == 200 and evidence.original_sha256 not in page.content.decode()


def test_a_plain_pdf_is_kept_byte_for_byte(client, case):
    dispute, claimant, respondent = case
    original = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n%%EOF\n"
    upload_as(client, claimant, dispute, SimpleUploadedFile("contract.pdf", original))
    evidence = Evidence.objects.get()

    client.force_login(respondent)
    assert served_bytes(client, download_url(evidence)) == original
    assert evidence.original_sha256 == evidence.sha256 == sha256(original)


FAKE_PDFS = {
    "html": b"%PDF-1.4\n<html><body>Sign in again</body></html>",
    "doctype": b"%PDF-1.4\n<!DOCTYPE html><p>hi</p>",
    "script": b"%PDF-1.4\n1 0 obj<<>>endobj\n<script>fetch('/x')</script>",
    "javascript-uri": b"%PDF-1.4\n1 0 obj<< /URI (javascript:alert(1)) >>endobj",
    "js-action": b"%PDF-1.4\n1 0 obj<< /S /JavaScript /JS (app.alert(1)) >>endobj",
    "launch": b"%PDF-1.4\n1 0 obj<< /S /Launch /F (cmd.exe) >>endobj",
    "open-action": b"%PDF-1.4\n1 0 obj<< /Type /Catalog /OpenAction 2 0 R >>endobj",
    "escaped-name": b"%PDF-1.4\n1 0 obj<< /S /J#61vaScript /J#53 (x) >>endobj",
}


@pytest.mark.parametrize("data", FAKE_PDFS.values(), ids=FAKE_PDFS.keys())
def test_a_fake_pdf_is_refused_with_a_message_and_nothing_is_written(client, case, data):
    dispute, claimant, _ = case

    response = upload_as(client, claimant, dispute, SimpleUploadedFile("invoice.pdf", data))

    assert response.status_code == 400
    assert "upload a plain PDF" in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_names(f"evidence/{dispute.pk}") == []
    assert list(dispute.events.values_list("action", flat=True)) == ["filed"]


def test_evidence_stored_before_cleaning_is_re_encoded_by_the_command(
    client, case, moderator, django_capture_on_commit_callbacks
):
    dispute, claimant, respondent = case
    original = jpeg_with_gps()
    old = Evidence(dispute=dispute, uploaded_by=claimant, kind="image", content_type="image/jpeg")
    old.size, old.sha256 = len(original), sha256(original)  # as stored before this change
    old.file.save(f"{dispute.pk}/old.jpeg", ContentFile(original), save=False)
    old.save(force_insert=True)
    old_name = old.file.name

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("clean_evidence_metadata", stdout=out)
    call_command("clean_evidence_metadata", stdout=out)  # nothing left to do

    assert out.getvalue().splitlines() == [
        "cleaned 1 of 1 image evidence file(s)",
        "cleaned 0 of 0 image evidence file(s)",
    ]
    old.refresh_from_db()
    assert (old.original_sha256, old.content_type) == (sha256(original), "image/png")
    assert old_name not in stored_names(f"evidence/{dispute.pk}")
    client.force_login(respondent)
    served = served_bytes(client, download_url(old))
    assert_clean(served, original=original, icc_profile=SRGB)
    assert sha256(served) == old.sha256
    event = dispute.events.get(action="evidence_cleaned")
    assert event.internal and event.data == {
        "evidence": old.pk,
        "original_sha256": old.original_sha256,
    }


def test_an_unreadable_stored_image_is_left_as_it_is_and_reported(case):
    dispute, claimant, _ = case
    damaged = jpeg_with_gps()[:200]
    old = Evidence(dispute=dispute, uploaded_by=claimant, kind="image", content_type="image/jpeg")
    old.file.save(f"{dispute.pk}/cut.jpeg", ContentFile(damaged), save=False)
    old.save(force_insert=True)

    out = io.StringIO()
    call_command("clean_evidence_metadata", stdout=out)

    assert out.getvalue() == "cleaned 0 of 1 image evidence file(s)\n"
    old.refresh_from_db()
    assert old.original_sha256 == "" and old.file.read() == damaged
    assert not dispute.events.filter(action="evidence_cleaned").exists()
