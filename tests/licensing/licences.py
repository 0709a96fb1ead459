"""Helpers for licence tests: seeded tiers, published listings, paid order lines."""

import importlib

from django.apps import apps

from payments.models import Order, OrderLine, OrderStatus
from tests.marketplace.factories import make_listing

_seed = importlib.import_module("licensing.migrations.0004_seed_tiers")
_derivatives = importlib.import_module("licensing.migrations.0011_terms_v2_derivatives")
rights_wording = importlib.import_module("licensing.migrations.0012_terms_v3_rights_wording")


def ensure_tiers() -> None:
    """The data migrations' tiers, v1 terms, v2 (the derivatives term) and v3 (the rights
    wording), idempotent. Normally already there: post_migrate restores them after a flush."""
    _seed.seed(apps, None)
    _derivatives.publish(apps, None)
    rights_wording.publish(apps, None)


def published_listing(creator, **fields):
    return make_listing(creator, publish=True, **fields)


def paid_line(*, listing, buyer, tier_code: str = "standard", amount: int = 1500) -> OrderLine:
    """An order line built directly with the payments models (as the webhook would find it)."""
    fee = amount // 5
    order = Order.objects.create(
        buyer=buyer,
        currency=listing.currency,
        total_amount=amount,
        platform_fee_amount=fee,
        gateway="local",
        status=OrderStatus.PAID,
    )
    return OrderLine.objects.create(
        order=order,
        listing=listing,
        tier_code=tier_code,
        description=f"{listing.title}: {tier_code} licence",
        creator=listing.creator,
        amount=amount,
        platform_fee_amount=fee,
        creator_amount=amount - fee,
    )
