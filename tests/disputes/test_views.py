"""Dispute and moderation pages: the permission matrix for every case URL, filing through the
form (errors shown, no 500s), the console's buttons, notifications."""

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes.models import Dispute, DisputeMessage, Evidence
from disputes.services.evidence import dispute_evidence_add
from disputes.services.filing import dispute_file, dispute_message_post
from marketplace.models import ListingStatus
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db

STATEMENT = "This listing copies my published work exactly, see the evidence."
ROLES = ("anonymous", "claimant", "respondent", "other", "moderator")


@pytest.fixture
def case(creator, moderator):
    listing = make_listing(creator, publish=True)
    claimant = UserFactory(display_name="Claire Claimant")
    dispute = dispute_file(
        claimant=claimant, kind="infringement", statement=STATEMENT, listing=listing
    )
    evidence = dispute_evidence_add(
        dispute=dispute,
        actor=claimant,
        upload=SimpleUploadedFile("proof.pdf", b"%PDF-1.4\nproof\n"),
    )
    dispute_message_post(dispute=dispute, author=moderator, body="Secret note", internal=True)
    users = {
        "anonymous": None,
        "claimant": claimant,
        "respondent": creator,
        "other": UserFactory(),
        "moderator": moderator,
    }
    return dispute, evidence, users


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


PARTY_OK = {
    "anonymous": "login",
    "claimant": 200,
    "respondent": 200,
    "other": 404,
    "moderator": 200,
}
MODERATOR_ONLY = {
    "anonymous": "login",
    "claimant": 404,
    "respondent": 404,
    "other": 404,
    "moderator": 200,
}


def urls(dispute, evidence):
    d = {"dispute_id": dispute.pk}
    return [
        ("get", reverse("disputes:dispute_detail", kwargs=d), {}, PARTY_OK),
        (
            "get",
            reverse("disputes:evidence_download", kwargs={**d, "evidence_id": evidence.pk}),
            {},
            PARTY_OK,
        ),
        ("post", reverse("disputes:dispute_message", kwargs=d), {"body": "hi"}, PARTY_OK),
        ("post", reverse("disputes:dispute_evidence", kwargs=d), {"url": "https://x.y"}, PARTY_OK),
        ("post", reverse("disputes:dispute_appeal", kwargs=d), {"reason": "no"}, PARTY_OK),
        ("get", reverse("disputes:moderation_case", kwargs=d), {}, MODERATOR_ONLY),
        (
            "post",
            reverse("disputes:moderation_action", kwargs=d),
            {"action": "assign"},
            MODERATOR_ONLY,
        ),
        ("get", reverse("disputes:moderation_queue"), {}, MODERATOR_ONLY),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, case, role):
    dispute, evidence, users = case
    as_user(client, users[role])
    for method, url, data, expected in urls(dispute, evidence):
        response = getattr(client, method)(url, data)
        want = expected[role]
        if want == "login":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url
        elif want == 404:
            assert response.status_code == 404, (role, url)
        else:  # allowed: a page, a file, or a redirect back after a POST (400 on refusals)
            assert response.status_code in (200, 302, 400), (role, url, response.status_code)
            assert response.status_code != 404
    if role in ("anonymous", "other"):
        assert DisputeMessage.objects.filter(internal=False).count() == 0
        assert Evidence.objects.count() == 1


def test_evidence_download_streams_the_file_privately(client, case):
    dispute, evidence, users = case
    client.force_login(users["respondent"])
    url = reverse(
        "disputes:evidence_download", kwargs={"dispute_id": dispute.pk, "evidence_id": evidence.pk}
    )
    response = client.get(url)
    if hasattr(storages["default"], "bucket_name"):  # S3 (CI): a short-lived signed URL
        assert response.status_code == 302
        assert evidence.file.name in response["Location"] and "Signature" in response["Location"]
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\nproof\n"
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]


def test_parties_never_see_internal_notes(client, case):
    dispute, _, users = case
    for role, visible in (("claimant", False), ("respondent", False), ("moderator", True)):
        client.force_login(users[role])
        page = client.get(dispute.get_absolute_url()).content.decode()
        assert ("Secret note" in page) is visible, role


def test_filing_through_the_form(client, creator):
    listing = make_listing(creator, publish=True)
    claimant = UserFactory()
    client.force_login(claimant)
    detail = client.get(reverse("listing_detail", kwargs={"listing_id": listing.pk}))
    new_url = reverse("disputes:dispute_new") + f"?listing={listing.pk}"
    assert new_url.replace("&", "&amp;") in detail.content.decode()

    response = client.post(new_url, {"kind": "infringement", "statement": STATEMENT})
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == dispute.get_absolute_url()

    again = client.post(new_url, {"kind": "other", "statement": STATEMENT})
    assert again.status_code == 400
    assert "already have an open dispute" in again.content.decode()
    assert Dispute.objects.count() == 1


def test_own_listing_and_bad_ids_give_clear_answers(client, creator):
    listing = make_listing(creator, publish=True)
    client.force_login(creator)
    url = reverse("disputes:dispute_new") + f"?listing={listing.pk}"
    response = client.post(url, {"kind": "infringement", "statement": STATEMENT})
    assert response.status_code == 400
    assert "You cannot dispute your own listing." in response.content.decode()
    assert client.get(reverse("disputes:dispute_new") + "?listing=nope").status_code == 404
    assert client.get(reverse("disputes:dispute_new")).status_code == 404
    assert not Dispute.objects.exists()


def test_bad_evidence_upload_is_a_form_error(client, case):
    dispute, _, users = case
    client.force_login(users["claimant"])
    upload = SimpleUploadedFile("x.png", b"not an image at all")
    response = client.post(
        reverse("disputes:dispute_evidence", kwargs={"dispute_id": dispute.pk}), {"file": upload}
    )
    assert response.status_code == 400
    assert "Upload an image (PNG, JPEG, WebP, GIF) or a PDF." in response.content.decode()
    assert Evidence.objects.count() == 1


def test_console_buttons_call_services_and_report_errors(client, case):
    dispute, _, users = case
    client.force_login(users["moderator"])
    action = reverse("disputes:moderation_action", kwargs={"dispute_id": dispute.pk})
    client.post(action, {"action": "suspend_listing", "note": "Interim"})
    dispute.listing.refresh_from_db()
    assert dispute.listing.status == ListingStatus.SUSPENDED

    response = client.post(action, {"action": "close"}, follow=True)
    assert "Nothing changed: A case that is open cannot be closed." in response.content.decode()

    response = client.post(
        action, {"action": "decide", "outcome": "upheld", "note": "Copied."}, follow=True
    )
    assert "Decision recorded" in response.content.decode()
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == ("decided", "upheld")
    page = client.get(reverse("disputes:moderation_case", kwargs={"dispute_id": dispute.pk}))
    content = page.content.decode()
    assert "Pieces, provenance and ledger" in content and "Similar pieces (pHash)" in content
    assert " Created · " in content and " Listed · " in content  # the ledger entries
    assert " Disputed (filed) · " in content and " Disputed (decided: upheld) · " in content


def test_queue_puts_overdue_first_and_filters(
    client, case, moderator, creator, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    dispute, _, users = case
    other_listing = make_listing(creator, publish=True, title="Second")
    newer = dispute_file(
        claimant=users["other"], kind="other", statement=STATEMENT, listing=other_listing
    )
    Dispute.objects.filter(pk=newer.pk).update(
        status="awaiting_response", respondent_deadline=timezone.now() - timedelta(days=1)
    )
    client.force_login(moderator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("disputes:moderation_queue"))
    rows = list(response.context["page"].object_list)
    assert [d.pk for d in rows] == [newer.pk, dispute.pk]
    assert "overdue" in response.content.decode()
    filtered = client.get(reverse("disputes:moderation_queue"), {"kind": "infringement"})
    assert [d.pk for d in filtered.context["page"].object_list] == [dispute.pk]


def test_notifications_page_marks_read(client, case):
    _, _, users = case
    client.force_login(users["respondent"])
    response = client.get(reverse("core:notifications"))
    assert response.status_code == 200
    assert "Dispute filed" in response.content.decode()
    assert not users["respondent"].notifications.filter(read_at__isnull=True).exists()
