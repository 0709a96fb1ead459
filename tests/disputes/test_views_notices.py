"""Notice-and-action pages: the public report form (errors shown, rate-limited, no 500s), the
confirmation and complaint links, one's own statements, and the moderators' pages."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from disputes.models import Complaint, Notice, NoticeStatus, StatementOfReasons
from disputes.services.tokens import complaint_path, notice_confirm_path
from marketplace.models import ListingStatus
from tests.commissions.factories import make_style
from tests.disputes.notice_helpers import STATEMENT, decide, links_in_mail, report
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing

pytestmark = pytest.mark.django_db
NEW = reverse("disputes:notice_new")


@pytest.fixture(autouse=True)
def quiet_misuse(settings):
    settings.MISUSE_WARN_AFTER = 100
    settings.MISUSE_SUSPEND_AFTER = 100


def form_data(listing, **extra):
    data = {
        "category": "hate",
        "statement": STATEMENT,
        "email": "anon@example.org",
        "target_kind": "listing",
        "target_id": str(listing.pk),
    }
    data.update(extra)
    return data


def test_the_form_asks_an_email_only_of_anonymous_reporters(client, buyer, listing):
    page = client.get(NEW, {"listing": listing.pk})
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    client.force_login(buyer)
    page = client.get(NEW, {"listing": listing.pk})
    assert page.status_code == 200 and 'name="email"' not in page.content.decode()


def test_nothing_public_to_report_is_a_404(client, creator):
    draft = make_listing(creator, title="Draft")
    assert client.get(NEW).status_code == 404
    assert client.get(NEW, {"listing": draft.pk}).status_code == 404
    assert client.get(NEW, {"storefront": "9" * 40}).status_code == 404


def test_an_anonymous_report_reaches_the_queue_only_once_confirmed(
    client, listing, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(NEW, form_data(listing))
    assert sent.status_code == 200 and "anon@example.org" in sent.content.decode()
    notice = Notice.objects.get()
    assert (notice.status, notice.reporter) == (NoticeStatus.UNCONFIRMED, None)
    moderator_client = type(client)()
    moderator_client.force_login(moderator)
    queue = reverse("disputes:moderation_notices")
    assert str(notice.pk) not in moderator_client.get(queue).content.decode()

    (link,) = links_in_mail("anon@example.org")
    assert client.post(link).status_code == 200

    assert str(notice.pk) in moderator_client.get(queue).content.decode()


def test_bad_input_is_shown_and_writes_nothing(client, listing):
    page = client.post(NEW, form_data(listing, email="nope", statement="short"))
    body = page.content.decode()
    assert page.status_code == 400
    assert "Enter a valid email address." in body
    assert Notice.objects.count() == 0
    own = client.post(NEW, form_data(listing, target_id="00000000-0000-0000-0000-000000000000"))
    assert own.status_code == 400 and "nothing public here to report" in own.content.decode()


def test_anonymous_reports_are_rate_limited_per_client(client, listing, settings):
    settings.NOTICE_RATE_LIMIT_PER_CLIENT = 2
    statuses = [client.post(NEW, form_data(listing)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert Notice.objects.count() == 2


def test_the_confirmation_page_confirms_on_post_only(client, listing):
    notice = report(None, listing, email="anon@example.org")
    path = notice_confirm_path(notice.pk)
    assert links_in_mail("anon@example.org") == [path]

    assert client.get(path).status_code == 200
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.UNCONFIRMED
    done = client.post(path)
    notice.refresh_from_db()
    assert done.status_code == 200 and notice.status == NoticeStatus.OPEN
    bad = client.post(reverse("disputes:notice_confirm", args=["junk"]))
    assert bad.status_code == 400 and "not valid" in bad.content.decode()


def test_report_links_on_listing_style_storefront_and_piece_pages(client, creator, listing):
    style = make_style(creator)
    piece = listing.listing_pieces.get().piece
    pages = {
        "listing": reverse("listing_detail", args=[listing.pk]),
        "style": reverse("style_detail", args=[style.pk]),
        "storefront": reverse("storefront", args=[creator.pk]),
        "piece": reverse("provenance:verify_piece", args=[piece.pk]),
    }
    targets = {
        "listing": listing.pk,
        "style": style.pk,
        "storefront": creator.pk,
        "piece": piece.pk,
    }
    for kind, url in pages.items():
        link = f"{NEW}?{kind}={targets[kind]}"
        assert link in client.get(url).content.decode(), kind
        assert client.get(link).status_code == 200, kind
    client.force_login(creator)
    for kind, url in pages.items():
        assert f"{NEW}?{kind}=" not in client.get(url).content.decode(), kind


def test_moderators_decide_from_the_queue(client, buyer, moderator, listing):
    notice = report(buyer, listing)
    client.force_login(buyer)
    assert client.get(reverse("disputes:moderation_notices")).status_code == 404
    client.force_login(moderator)
    queue = client.get(reverse("disputes:moderation_notices"))
    assert reverse("disputes:moderation_notice", args=[notice.pk]) in queue.content.decode()
    decide_url = reverse("disputes:moderation_notice_decide", args=[notice.pk])
    data = {
        "action": "style_withdrawn",
        "facts": "A hate symbol.",
        "ground": "terms",
        "ground_detail": "Terms §4.2",
    }

    wrong = client.post(decide_url, data)
    assert wrong.status_code == 400 and "does not apply" in wrong.content.decode()
    done = client.post(decide_url, {**data, "action": "listing_suspended"})

    assert done.status_code == 302 and done["Location"] == reverse("disputes:moderation_notices")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUSPENDED
    assert StatementOfReasons.objects.get().ground_detail == "Terms §4.2"


def test_the_queue_page_queries_do_not_grow_with_notices(
    client, moderator, listing, django_assert_max_num_queries
):
    for _ in range(5):
        report(UserFactory(), listing)
    client.force_login(moderator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("disputes:moderation_notices")).status_code == 200


def test_the_affected_user_sees_their_statements_and_complains(client, buyer, moderator, listing):
    decide(report(buyer, listing), moderator)
    statement = StatementOfReasons.objects.get()
    detail = reverse("disputes:statement_detail", args=[statement.pk])
    client.force_login(buyer)
    assert client.get(detail).status_code == 404
    client.force_login(listing.creator)
    listed = client.get(reverse("disputes:statement_list")).content.decode()
    assert detail in listed
    page = client.get(detail).content.decode()
    complaint_url = complaint_path(statement_id=statement.pk)
    assert "Terms §4.2: hate symbols" in page and complaint_url in page

    form = client.get(complaint_url)
    assert form.status_code == 200 and "Against our terms of service" in form.content.decode()
    lodged = client.post(complaint_url, {"reason": "It is a historical flag in a museum."})
    again = client.post(complaint_url, {"reason": "It is a historical flag in a museum."})

    assert lodged.status_code == 200 and "Complaint lodged" in lodged.content.decode()
    assert again.status_code == 400 and "already lodged" in again.content.decode()
    assert Complaint.objects.get().complainant == listing.creator
    assert client.get(reverse("disputes:complaint_new", args=["junk"])).status_code == 404


def test_the_original_decider_is_pointed_to_another_moderator(client, buyer, moderator, listing):
    decide(report(buyer, listing), moderator)
    statement = StatementOfReasons.objects.get()
    client.force_login(listing.creator)
    client.post(complaint_path(statement_id=statement.pk), {"reason": "It is a historical flag."})
    complaint = Complaint.objects.get()
    other = UserFactory(moderator=True)
    review = reverse("disputes:moderation_complaint", args=[complaint.pk])
    decide_url = reverse("disputes:moderation_complaint_decide", args=[complaint.pk])
    data = {"outcome": "upheld", "note": "The flag is historical."}

    client.force_login(moderator)
    assert "another moderator decides" in client.get(review).content.decode()
    refused = client.post(decide_url, data)
    assert refused.status_code == 400 and "Another moderator" in refused.content.decode()
    client.force_login(other)
    mail.outbox.clear()
    assert client.post(decide_url, data).status_code == 302

    listing.refresh_from_db()
    complaint.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED and complaint.decided_by == other


def test_the_statement_page_says_until_when_one_may_complain(client, buyer, moderator, listing):
    decide(report(buyer, listing), moderator)
    statement = StatementOfReasons.objects.get()
    detail = reverse("disputes:statement_detail", args=[statement.pk])
    client.force_login(listing.creator)
    deadline = statement.created_at + timedelta(days=182)
    page = client.get(detail).content.decode()
    assert f'You can complain until <time datetime="{deadline:%Y-%m-%dT%H:%M:%S}' in page
    assert 'id="complain-link"' in page

    StatementOfReasons.objects.filter(pk=statement.pk).update(
        created_at=timezone.now() - timedelta(days=183)
    )
    page = client.get(detail).content.decode()
    assert "The time for a complaint ended" in page and 'id="complain-link"' not in page
