"""The append-only guard coexists with transactional tests (SQLite flushes with DELETE)."""

import pytest
from django.db import DatabaseError, connection, transaction

from tests.provenance.factories import stamped_piece


@pytest.mark.django_db(transaction=True)
def test_flush_with_ledger_rows(creator):
    stamped_piece(owner=creator, seed=1)


@pytest.mark.django_db(transaction=True)
def test_guard_back_in_next_transactional_test(creator):
    stamped_piece(owner=creator, seed=2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM licensing_ledgerentry")


@pytest.mark.django_db
def test_guard_back_in_plain_test(creator):
    stamped_piece(owner=creator, seed=3)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM licensing_ledgerentry")
