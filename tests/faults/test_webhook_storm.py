"""1,000 hostile webhook deliveries (replayed, forged, stale, tampered) through the real
endpoint, with tasks running as they would: one grant for the one genuine payment, none for
any other order, every hostile delivery refused or answered as a duplicate."""

import pytest

from licensing.models import LicenceGrant
from payments.models import Order, OrderStatus, WebhookEvent
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order
from tests.payments.storm import hostile_deliveries

pytestmark = [pytest.mark.faults, pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

DELIVERIES = 1000


def test_a_thousand_hostile_deliveries_grant_nothing_wrong(client, creator, run_tasks_inline):
    genuine = make_order(buyer=UserFactory(), listing=make_listing(creator, publish=True))
    victims = [
        make_order(buyer=UserFactory(), listing=make_listing(creator, publish=True, title=f"L{i}"))
        for i in range(8)
    ]

    with run_tasks_inline():
        statuses = hostile_deliveries(
            client, genuine=genuine, victims=victims, deliveries=DELIVERIES
        )

    quarter = DELIVERIES // 4
    assert {kind: dict(counts) for kind, counts in statuses.items()} == {
        "replayed": {200: quarter},  # the first is processed, the rest are known duplicates
        "forged": {400: quarter},
        "stale": {400: quarter},
        "tampered": {400: quarter},
    }
    assert WebhookEvent.objects.count() == 1
    assert LicenceGrant.objects.filter(order_line__order=genuine).count() == 1
    assert not LicenceGrant.objects.exclude(order_line__order=genuine).exists()
    assert Order.objects.get(pk=genuine.pk).status == OrderStatus.PAID
    assert set(Order.objects.exclude(pk=genuine.pk).values_list("status", flat=True)) == {
        OrderStatus.PENDING
    }
