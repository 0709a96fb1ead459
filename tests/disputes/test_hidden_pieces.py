"""Hiding a piece (a notice decided "piece hidden") takes its image off every public page
(the verify page, a licence certificate, the style gallery) while its provenance record
and ledger stay verifiable; an upheld complaint shows it again and says so in the ledger."""

import pytest
from django.urls import reverse

from disputes.models import StatementOfReasons
from disputes.services.complaints import complaint_decide, complaint_lodge
from disputes.services.tokens import complaint_path
from generation.selectors.styles import style_samples
from licensing.services.grants import licence_grant_issue, licence_offers_set
from marketplace.models import ListingStatus
from provenance.models import LedgerEntry
from tests.commissions.factories import make_style
from tests.disputes.notice_helpers import after_commit, decide, report
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing
from tests.marketplace.factories import make_piece
from tests.marketplace.fixtures import no_embedding_tasks  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_embedding_tasks")]
HIDDEN = "The image is hidden after a moderation decision"
REASON = "The piece is an ordinary landscape; nothing in it breaks the terms."


@pytest.fixture(autouse=True)
def no_auto_warning(settings):
    settings.MISUSE_WARN_AFTER = 100
    settings.MISUSE_SUSPEND_AFTER = 100


@pytest.fixture
def listing(tiers, creator):
    listing = published_listing(creator, title="Harbour lights")
    licence_offers_set(listing=listing, actor=creator, offers={"standard": 1500})
    return listing


@pytest.fixture
def piece(listing):
    return listing.listing_pieces.get().piece


def hide(piece, buyer, moderator) -> StatementOfReasons:
    decide(report(buyer, piece, kind="piece"), moderator, action="piece_hidden")
    piece.refresh_from_db()
    return StatementOfReasons.objects.get(piece=piece)


def verify_page(client, piece) -> str:
    response = client.get(reverse("provenance:verify_piece", args=[piece.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_hidden_piece_leaves_the_verify_page_and_the_certificate(
    client, buyer, moderator, listing, piece
):
    line = paid_line(listing=listing, buyer=buyer, tier_code="standard", amount=1500)
    grant = licence_grant_issue(order_line=line, licensee=buyer)
    certificate_url = reverse("licensing:certificate_verify", args=[grant.certificate.pk])
    assert piece.preview.url in verify_page(client, piece)
    assert piece.preview.url in client.get(certificate_url).content.decode()

    hide(piece, buyer, moderator)

    assert piece.hidden_at is not None
    page = verify_page(client, piece)
    assert piece.preview.url not in page and HIDDEN in page
    assert piece.sha256 in page  # the record itself stays verifiable
    certificate = client.get(certificate_url).content.decode()
    assert piece.preview.url not in certificate and HIDDEN in certificate


def test_a_hidden_sample_leaves_the_style_gallery(buyer, moderator, creator):
    style = make_style(creator)
    shown, hidden = make_piece(creator), make_piece(creator)
    for sample in (shown, hidden):
        sample.job.style_version = style.versions.first()
        sample.job.save(update_fields=["style_version"])
    assert set(style_samples(style=style)) == {shown, hidden}

    hide(hidden, buyer, moderator)

    assert style_samples(style=style) == [shown]


def test_an_upheld_complaint_shows_the_piece_again(
    client, buyer, creator, moderator, listing, piece
):
    statement = hide(piece, buyer, moderator)
    other_moderator = UserFactory(moderator=True)
    token = complaint_path(statement_id=statement.pk).split("/")[-2]
    complaint = complaint_lodge(token=token, reason=REASON, user=creator)

    with after_commit():
        complaint_decide(
            complaint=complaint, moderator=other_moderator, outcome="upheld", note="It is fine."
        )

    piece.refresh_from_db()
    listing.refresh_from_db()
    assert piece.hidden_at is None and listing.status == ListingStatus.PUBLISHED
    assert piece.preview.url in verify_page(client, piece)
    remedies = [e.data.get("remedy") for e in LedgerEntry.objects.filter(piece=piece)]
    assert remedies[-2:] == ["piece_hidden", "piece_shown"]
