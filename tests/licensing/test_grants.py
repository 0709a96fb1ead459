import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError
from licensing.models import Certificate, ExclusiveHold, GrantEvent, GrantStatus, LicenceGrant
from licensing.selectors.grants import grants_for_licensee
from licensing.services.grants import (
    ExclusiveAlreadySold,
    exclusive_hold_acquire,
    licence_grant_issue,
    licence_grant_revoke,
    licence_offers_set,
)
from marketplace.models import ListingEvent, ListingStatus
from provenance.models import LedgerEntry, LedgerKind
from provenance.selectors.records import ledger_verify
from provenance.services.ledger import ledger_append
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(tiers, creator, no_embedding_tasks):
    pieces = [make_piece(creator), make_piece(creator)]
    listing = published_listing(creator, pieces=pieces, price_amount=1500)
    licence_offers_set(
        listing=listing,
        actor=creator,
        offers={"standard": 1500, "extended": 6000, "exclusive": 90000},
    )
    return listing


def ledger_kinds(piece):
    return list(
        LedgerEntry.objects.filter(piece=piece).order_by("seq").values_list("kind", flat=True)
    )


def test_issue_stores_terms_price_order_and_history(listing, buyer):
    line = paid_line(listing=listing, buyer=buyer, tier_code="extended", amount=6000)

    grant = licence_grant_issue(order_line=line, licensee=buyer)

    grant.refresh_from_db()
    assert (grant.tier.code, grant.status, grant.exclusive) == ("extended", "active", False)
    assert (grant.price_amount, grant.currency, grant.order_ref) == (
        6000,
        "USD",
        str(line.order_id),
    )
    assert grant.order_line == line and grant.licensee == buyer
    assert (grant.terms_version, grant.terms_sha256) == (3, grant.terms.sha256)
    pieces = [row.piece for row in listing.listing_pieces.order_by("position")]
    assert grant.piece == pieces[0]
    assert set(grant.pieces.all()) == set(pieces)
    assert Certificate.objects.filter(grant=grant).count() == 1
    assert list(grant.events.values_list("from_status", "to_status")) == [("", "active")]
    for piece in pieces:
        assert ledger_kinds(piece) == ["created", "listed", "licensed"]
    entry = LedgerEntry.objects.filter(kind="licensed").first()
    assert entry.data["grant"] == str(grant.pk) and entry.data["tier"] == "extended"
    assert ledger_verify().ok


def test_issue_is_idempotent_per_order_line(listing, buyer):
    line = paid_line(listing=listing, buyer=buyer)
    first = licence_grant_issue(order_line=line, licensee=buyer)
    counts = (LicenceGrant.objects.count(), GrantEvent.objects.count(), LedgerEntry.objects.count())

    again = licence_grant_issue(order_line=line, licensee=buyer)

    assert again.pk == first.pk
    assert counts == (
        LicenceGrant.objects.count(),
        GrantEvent.objects.count(),
        LedgerEntry.objects.count(),
    )


def test_exclusive_withdraws_listing_transfers_ownership_keeps_earlier_grants(
    listing, buyer, creator
):
    first_buyer = UserFactory()
    earlier = licence_grant_issue(
        order_line=paid_line(listing=listing, buyer=first_buyer), licensee=first_buyer
    )
    exclusive_hold_acquire(listing=listing, buyer=buyer, order_ref="o-1")
    line = paid_line(listing=listing, buyer=buyer, tier_code="exclusive", amount=90000)

    grant = licence_grant_issue(order_line=line, licensee=buyer)

    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD_EXCLUSIVE
    event = ListingEvent.objects.filter(listing=listing).last()
    assert (event.from_status, event.to_status) == ("published", "sold_exclusive")
    assert str(line.order_id) in event.reason
    assert grant.exclusive and grant.status == GrantStatus.ACTIVE
    assert not ExclusiveHold.objects.filter(listing=listing).exists()
    earlier.refresh_from_db()
    assert earlier.status == GrantStatus.ACTIVE  # earlier non-exclusive grants stay valid
    for row in listing.listing_pieces.all():
        assert ledger_kinds(row.piece) == [
            "created",
            "listed",
            "licensed",
            "licensed",
            "transferred",
        ]
    transfer = LedgerEntry.objects.filter(kind="transferred").first()
    assert (transfer.data["from"], transfer.data["to"]) == (creator.pk, buyer.pk)
    assert ledger_verify().ok


def test_a_second_exclusive_payment_is_refused_and_nothing_is_written(listing, buyer):
    licence_grant_issue(
        order_line=paid_line(listing=listing, buyer=buyer, tier_code="exclusive"), licensee=buyer
    )
    late_buyer = UserFactory()
    counts = (LicenceGrant.objects.count(), LedgerEntry.objects.count())

    with pytest.raises(ExclusiveAlreadySold):
        licence_grant_issue(
            order_line=paid_line(listing=listing, buyer=late_buyer, tier_code="exclusive"),
            licensee=late_buyer,
        )
    # A non-exclusive payment that completes after the buy-out is refused too (refunded).
    with pytest.raises(ExclusiveAlreadySold):
        licence_grant_issue(
            order_line=paid_line(listing=listing, buyer=late_buyer), licensee=late_buyer
        )
    assert counts == (LicenceGrant.objects.count(), LedgerEntry.objects.count())


def test_revoke_records_history_ledger_and_is_idempotent(listing, buyer, moderator):
    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)

    with pytest.raises(ApplicationError, match="Say why"):
        licence_grant_revoke(grant=grant, reason=" ", actor=moderator)
    revoked = licence_grant_revoke(grant=grant, reason="Chargeback", actor=moderator)
    again = licence_grant_revoke(grant=grant, reason="Twice", actor=moderator)

    assert (revoked.status, revoked.reason) == ("revoked", "Chargeback")
    assert revoked.revoked_at is not None
    assert (again.status, again.reason, again.revoked_at) == (
        "revoked",
        "Chargeback",
        revoked.revoked_at,
    )
    assert list(grant.events.values_list("to_status", "actor", "reason")) == [
        ("active", buyer.pk, ""),
        ("revoked", moderator.pk, "Chargeback"),
    ]
    for row in listing.listing_pieces.all():
        assert ledger_kinds(row.piece)[-1] == "revoked"

    refunded = licence_grant_revoke(grant=grant, reason="Refunded", refunded=True)
    assert (refunded.status, refunded.revoked_at) == ("refunded", revoked.revoked_at)
    assert grant.events.count() == 3
    assert LedgerEntry.objects.filter(kind="revoked").count() == 2  # not recorded twice
    assert ledger_verify().ok


def test_a_revoked_licence_does_not_block_the_piece_but_a_piece_revocation_does(
    listing, buyer, moderator
):
    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)
    licence_grant_revoke(grant=grant, reason="Refunded", refunded=True)
    other = UserFactory()
    second = licence_grant_issue(order_line=paid_line(listing=listing, buyer=other), licensee=other)
    assert second.status == "active"

    piece = listing.cover
    ledger_append(piece=piece, kind=LedgerKind.REVOKED, actor=moderator, data={"reason": "dmca"})
    # Licences can still be revoked (and recorded) after the piece's rights were revoked.
    licence_grant_revoke(grant=second, reason="DMCA takedown", actor=moderator)
    assert ledger_kinds(piece)[-2:] == ["revoked", "revoked"]
    with pytest.raises(ApplicationError, match="revoked"):
        ledger_append(piece=piece, kind=LedgerKind.LICENSED, actor=other)


def test_grants_for_licensee_loads_the_library_in_one_query(listing, buyer):
    for tier, amount in (("standard", 1500), ("extended", 6000)):
        licence_grant_issue(
            order_line=paid_line(listing=listing, buyer=buyer, tier_code=tier, amount=amount),
            licensee=buyer,
        )
    someone = UserFactory()
    licence_grant_issue(order_line=paid_line(listing=listing, buyer=someone), licensee=someone)

    with CaptureQueriesContext(connection) as queries:
        rows = [
            (
                g.tier.code,
                g.listing.title,
                g.listing.cover.preview.url,
                g.get_certificate_pdf_url(),
                g.certificate.get_absolute_url(),
            )
            for g in grants_for_licensee(user=buyer)
        ]
    assert len(queries) == 1
    assert [row[0] for row in rows] == ["extended", "standard"]
    assert rows[0][3].endswith("/certificate.pdf")
    assert rows[0][4].startswith("/certificates/")
