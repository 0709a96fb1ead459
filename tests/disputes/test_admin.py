"""The trust-and-safety records in the admin: operators can list, search and open each
(with its history inline) but add, change or delete none; changes go through the services."""

import pytest
from django.urls import reverse

from disputes.models import Complaint, Notice, StatementOfReasons, TakedownNotice
from disputes.services.artist_claims import artist_identity_verify
from disputes.services.complaints import complaint_lodge
from disputes.services.takedowns import takedown_file
from disputes.services.tokens import complaint_path
from tests.commissions.factories import make_style
from tests.disputes.notice_helpers import decide, report
from tests.disputes.takedown_helpers import NOTICE
from tests.disputes.test_artist_claims import file_claim
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db
REASON = "The listing shows a museum photograph, not a hate symbol at all."


@pytest.fixture
def records(buyer, creator, moderator):
    """One of each: a notice decided with a statement, a complaint about it, a takedown,
    an artist claim and a verified artist."""
    notice = report(buyer, make_listing(creator, publish=True))
    decide(notice, moderator)
    statement = StatementOfReasons.objects.get(notice=notice)
    token = complaint_path(statement_id=statement.pk).split("/")[-2]
    complaint = complaint_lodge(token=token, reason=REASON, user=creator)
    holder = UserFactory(display_name="Rhea Holder")
    takedown = takedown_file(
        claimant=holder, listing=make_listing(creator, publish=True), statements=NOTICE
    )
    claim = file_claim(UserFactory(display_name="Ada Brush"), make_style(creator))
    verified = artist_identity_verify(claim=claim, moderator=moderator, method="video call")
    return {
        "notice": notice,
        "statementofreasons": statement,
        "complaint": complaint,
        "takedownnotice": takedown,
        "artistclaim": claim,
        "verifiedartist": verified,
    }


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True), mfa=False)
    return client


def test_each_record_is_listed_and_opens_with_its_history(operator, records):
    for model, record in records.items():
        listing = operator.get(reverse(f"admin:disputes_{model}_changelist"))
        detail = operator.get(reverse(f"admin:disputes_{model}_change", args=[record.pk]))
        assert (model, listing.status_code, detail.status_code) == (model, 200, 200)
        assert str(record.pk) in listing.content.decode() or model == "verifiedartist"
    takedown_page = operator.get(
        reverse("admin:disputes_takedownnotice_change", args=[records["takedownnotice"].pk])
    ).content.decode()
    assert "listing_disabled" in takedown_page  # its history rows, inline


def test_nothing_can_be_added_changed_or_deleted(operator, records):
    notice = records["notice"]
    for model in records:
        assert operator.get(reverse(f"admin:disputes_{model}_add")).status_code == 403
    change = reverse("admin:disputes_notice_change", args=[notice.pk])
    operator.post(change, {"status": "open", "statement": "edited"})
    delete = reverse("admin:disputes_complaint_delete", args=[records["complaint"].pk])
    assert operator.post(delete, {"post": "yes"}).status_code == 403
    notice.refresh_from_db()
    assert notice.status != "open" and notice.statement != "edited"
    assert Complaint.objects.filter(pk=records["complaint"].pk).exists()
    assert TakedownNotice.objects.count() == 1 and Notice.objects.count() == 1


def test_search_finds_a_notice_by_the_reporter_address(operator, records):
    notice = records["notice"]
    url = reverse("admin:disputes_notice_changelist")
    found = operator.get(url, {"q": notice.reporter_email}).content.decode()
    missed = operator.get(url, {"q": "nobody@example.invalid"}).content.decode()
    assert str(notice.pk) in found and str(notice.pk) not in missed
