"""Takedown pages: filing through the form (statutory statements required, verified email),
what the public and the creator see on a disabled listing, the case page's permissions, the
counter-notice, court-action, withdrawal and moderator forms."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from disputes.models import TakedownNotice, TakedownStatus
from disputes.services.takedowns import takedown_counter_notify, takedown_file, takedown_moderate
from marketplace.hooks import AccountData, account_export_sections
from marketplace.models import ListingStatus
from marketplace.services.suspensions import listing_suspend
from tests.disputes.takedown_helpers import COUNTER, NOTICE
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db

FORM = {
    "work_description": NOTICE.work_description,
    "infringing_material": NOTICE.infringing_material,
    "contact_name": NOTICE.contact_name,
    "contact_address": NOTICE.contact_address,
    "contact_phone": NOTICE.contact_phone,
    "contact_email": NOTICE.contact_email,
    "good_faith_statement": "on",
    "accuracy_statement": "on",
    "authority_statement": "on",
    "signature": NOTICE.signature,
}
COUNTER_FORM = {
    "counter_material": COUNTER.counter_material,
    "counter_good_faith_statement": "on",
    "counter_jurisdiction_consent": "on",
    "counter_name": COUNTER.counter_name,
    "counter_address": COUNTER.counter_address,
    "counter_signature": COUNTER.counter_signature,
}


def new_url(listing):
    return reverse("disputes:takedown_new") + f"?listing={listing.pk}"


def test_listing_page_offers_a_notice_to_others_only(client, listing, creator, holder):
    client.force_login(holder)
    assert new_url(listing) in client.get(reverse("listing_detail", args=[listing.pk])).text
    client.force_login(creator)
    assert new_url(listing) not in client.get(reverse("listing_detail", args=[listing.pk])).text


def test_filing_through_the_form_disables_the_listing(client, holder, listing):
    client.force_login(holder)
    response = client.post(new_url(listing), FORM)
    notice = TakedownNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == notice.get_absolute_url()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    assert notice.signature == "Rhea Holder"
    assert notice.authority_statement is True


@pytest.mark.parametrize("missing", ["authority_statement", "signature", "contact_phone"])
def test_a_missing_statement_is_a_form_error_and_stores_nothing(client, holder, listing, missing):
    client.force_login(holder)
    data = {key: value for key, value in FORM.items() if key != missing}
    response = client.post(new_url(listing), data)
    assert response.status_code == 400
    assert response.context["form"].errors[missing]
    assert 'role="alert"' in response.text
    assert not TakedownNotice.objects.exists()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED


def test_an_unverified_email_cannot_file(client, listing):
    user = UserFactory(verified=False)
    client.force_login(user)
    response = client.post(new_url(listing), FORM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_email"))
    assert not TakedownNotice.objects.exists()


def test_unknown_or_unlisted_targets_are_404(client, holder, creator):
    client.force_login(holder)
    draft = make_listing(creator, title="Draft")
    assert client.get(reverse("disputes:takedown_new") + "?listing=junk").status_code == 404
    assert client.get(new_url(draft)).status_code == 404


def test_the_public_sees_why_the_listing_is_unavailable(
    client, holder, listing, creator, django_capture_on_commit_callbacks
):
    assert client.get(reverse("listing_detail", args=[listing.pk])).status_code == 200  # cached
    with django_capture_on_commit_callbacks(execute=True):  # the commit drops cached pages
        notice = takedown_file(claimant=holder, listing=listing, statements=NOTICE)
    response = client.get(reverse("listing_detail", args=[listing.pk]))
    assert response.status_code == 451
    assert "Unavailable: a copyright notice is pending" in response.text
    client.force_login(creator)
    page = client.get(reverse("listing_detail", args=[listing.pk]))
    assert page.status_code == 200
    assert "Disabled: a copyright notice is pending" in page.text
    assert notice.get_absolute_url() in page.text


def test_a_listing_suspended_for_another_reason_is_still_not_found(client, listing, moderator):
    listing_suspend(listing=listing, actor=moderator, reason="Spam.")
    assert client.get(reverse("listing_detail", args=[listing.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("claimant", 200), ("creator", 200), ("moderator", 200), ("other", 404)],
)
def test_only_the_parties_and_moderators_see_the_case(
    client, notice, holder, creator, moderator, role, expected
):
    users = {"claimant": holder, "creator": creator, "moderator": moderator, "other": UserFactory()}
    if role in users:
        client.force_login(users[role])
    response = client.get(notice.get_absolute_url())
    assert response.status_code == expected
    if expected == 200:
        assert "Harbour Lights" in response.text
        assert "filed" in response.text


def test_counter_notice_form_schedules_the_return(client, notice, creator, holder):
    client.force_login(holder)
    refused = client.post(reverse("disputes:takedown_counter", args=[notice.pk]), COUNTER_FORM)
    assert refused.status_code == 400
    client.force_login(creator)
    page = client.get(notice.get_absolute_url())
    assert reverse("disputes:takedown_counter", args=[notice.pk]) in page.text
    incomplete = {k: v for k, v in COUNTER_FORM.items() if k != "counter_jurisdiction_consent"}
    response = client.post(reverse("disputes:takedown_counter", args=[notice.pk]), incomplete)
    assert response.status_code == 400
    assert response.context["counter_form"].errors["counter_jurisdiction_consent"]
    notice.refresh_from_db()
    assert notice.status == TakedownStatus.DISABLED
    response = client.post(reverse("disputes:takedown_counter", args=[notice.pk]), COUNTER_FORM)
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == TakedownStatus.COUNTERED
    assert "comes back on" in client.get(notice.get_absolute_url()).text


def test_claimant_reports_court_action_through_the_form(client, notice, creator, holder):
    takedown_counter_notify(
        notice=notice, actor=creator, statements=COUNTER, now=datetime(2026, 12, 2, tzinfo=UTC)
    )
    client.force_login(holder)
    url = reverse("disputes:takedown_court_action", args=[notice.pk])
    assert client.post(url, {"case_reference": ""}).status_code == 400
    assert client.post(url, {"case_reference": "3:26-cv-01234"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == TakedownStatus.COURT_ACTION
    assert "3:26-cv-01234" in client.get(notice.get_absolute_url()).text


def test_claimant_withdraws_and_the_listing_is_back(client, notice, holder, listing):
    client.force_login(holder)
    response = client.post(reverse("disputes:takedown_withdraw", args=[notice.pk]), {})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    client.logout()
    assert client.get(reverse("listing_detail", args=[listing.pk])).status_code == 200


def test_moderator_queue_and_decision(client, notice, moderator, holder, listing):
    url = reverse("disputes:takedown_moderate", args=[notice.pk])
    client.force_login(holder)
    assert client.get(reverse("disputes:takedown_queue")).status_code == 404
    assert client.post(url, {"decision": "restore", "note": "x"}).status_code == 404
    client.force_login(moderator)
    assert (
        reverse("disputes:takedown_queue") in client.get(reverse("disputes:moderation_queue")).text
    )
    queue = client.get(reverse("disputes:takedown_queue"))
    assert notice.get_absolute_url() in queue.text
    assert client.post(url, {"decision": "restore", "note": ""}).status_code == 400
    assert (
        client.post(url, {"decision": "restore", "note": "Not a valid notice."}).status_code == 302
    )
    notice.refresh_from_db()
    listing.refresh_from_db()
    assert notice.status == TakedownStatus.RESTORED
    assert listing.status == ListingStatus.PUBLISHED


def test_a_listing_kept_down_says_so_and_the_notice_is_in_the_data_export(
    client, notice, moderator, listing, holder, creator
):
    takedown_moderate(notice=notice, moderator=moderator, decision="keep_down", note="Court order.")
    response = client.get(reverse("listing_detail", args=[listing.pk]))
    assert response.status_code == 451
    assert "Unavailable: removed after a copyright notice" in response.text
    for user in (holder, creator):
        sections = {}
        for answer in account_export_sections.call(AccountData(user)):
            sections.update(answer)
        assert [row["id"] for row in sections["takedown_notices"]] == [notice.pk]
        assert sections["takedown_notices"][0]["status"] == "upheld"


def test_both_parties_find_the_notice_in_their_case_list(client, notice, holder, creator):
    for user, role in ((holder, "you filed it"), (creator, "about your listing")):
        client.force_login(user)
        page = client.get(reverse("disputes:dispute_list"))
        assert notice.get_absolute_url() in page.text
        assert role in page.text
    client.force_login(UserFactory())
    assert notice.get_absolute_url() not in client.get(reverse("disputes:dispute_list")).text
