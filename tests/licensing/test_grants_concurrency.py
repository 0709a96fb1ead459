"""Many buyers, one exclusive: exactly one grant, everyone else refused (PostgreSQL).

Each thread has its own database connection and transaction, like concurrent webhook workers.
"""

import pytest
from django.db import connection

from licensing.models import ExclusiveHold, GrantStatus, LicenceGrant
from licensing.services.grants import (
    ExclusiveAlreadySold,
    ExclusiveHeld,
    exclusive_hold_acquire,
    licence_grant_issue,
    licence_offers_set,
)
from marketplace.models import Listing, ListingEvent, ListingStatus
from provenance.models import LedgerEntry
from provenance.selectors.records import ledger_verify
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.licensing.licences import ensure_tiers, paid_line, published_listing

THREADS = 24

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks; SQLite serialises writers with 'database is locked' "
        "errors instead (CI runs this on PostgreSQL)",
    ),
]


@pytest.fixture
def exclusive_listing(creator, no_embedding_tasks):
    ensure_tiers()
    listing = published_listing(creator)
    licence_offers_set(
        listing=listing, actor=creator, offers={"standard": 1500, "exclusive": 90000}
    )
    return listing


def test_many_paid_exclusive_orders_yield_exactly_one_grant(exclusive_listing):
    buyers = [UserFactory() for _ in range(THREADS)]
    lines = [
        paid_line(listing=exclusive_listing, buyer=buyer, tier_code="exclusive", amount=90000)
        for buyer in buyers
    ]

    results = run_in_threads(
        lambda i: licence_grant_issue(order_line=lines[i], licensee=buyers[i]), THREADS
    )

    grants = [r for r in results if isinstance(r, LicenceGrant)]
    refused = [r for r in results if isinstance(r, ExclusiveAlreadySold)]
    assert len(grants) == 1, results
    assert len(refused) == THREADS - 1, results
    assert LicenceGrant.objects.filter(listing=exclusive_listing).count() == 1
    winner = LicenceGrant.objects.get(listing=exclusive_listing)
    assert winner.status == GrantStatus.ACTIVE and winner.exclusive
    assert Listing.objects.get(pk=exclusive_listing.pk).status == ListingStatus.SOLD_EXCLUSIVE
    assert (
        ListingEvent.objects.filter(
            listing=exclusive_listing, to_status=ListingStatus.SOLD_EXCLUSIVE
        ).count()
        == 1
    )
    assert LedgerEntry.objects.filter(kind="transferred").count() == 1
    assert ledger_verify().ok


def test_many_buyers_racing_for_the_hold_get_one_hold(exclusive_listing):
    buyers = [UserFactory() for _ in range(THREADS)]

    results = run_in_threads(
        lambda i: exclusive_hold_acquire(
            listing=exclusive_listing, buyer=buyers[i], order_ref=f"order-{i}"
        ),
        THREADS,
    )

    assert results.count(None) == 1, results
    assert sum(isinstance(r, ExclusiveHeld) for r in results) == THREADS - 1
    hold = ExclusiveHold.objects.get(listing=exclusive_listing)
    assert hold.order_ref == f"order-{results.index(None)}"
