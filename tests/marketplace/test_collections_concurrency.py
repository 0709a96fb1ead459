"""Racing moves, removals, adds and full reorders of one collection: the collection row lock
serialises them, so positions stay dense 0..n-1 (PostgreSQL)."""

import pytest
from django.db import connection

from core.errors import ApplicationError
from marketplace.services.collections import (
    collection_add_listing,
    collection_create,
    collection_move_item,
    collection_remove_item,
    collection_reorder,
)
from tests.concurrency import run_in_threads
from tests.marketplace.factories import make_listing

THREADS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (CI runs this on PostgreSQL)",
    ),
]


def test_racing_changes_keep_positions_dense(buyer, creator):
    listings = [make_listing(creator, publish=True, title=f"Race {i}") for i in range(6)]
    collection = collection_create(owner=buyer, title="Race")
    for listing in listings[:4]:
        collection_add_listing(collection=collection, actor=buyer, listing=listing)
    ids = list(collection.items.order_by("position").values_list("pk", flat=True))

    def work(index):
        if index < 3:
            return collection_move_item(
                collection=collection, actor=buyer, item_id=ids[index], direction="down"
            )
        if index == 3:
            return collection_remove_item(collection=collection, actor=buyer, item_id=ids[0])
        if index < 6:
            return collection_add_listing(
                collection=collection, actor=buyer, listing=listings[index]
            )
        return collection_reorder(collection=collection, actor=buyer, item_ids=ids[::-1])

    results = run_in_threads(work, THREADS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ApplicationError) for r in errors), results
    positions = list(collection.items.order_by("position").values_list("position", flat=True))
    assert positions == list(range(len(positions)))
    assert len(positions) == 5  # 4 - 1 removed + 2 added
