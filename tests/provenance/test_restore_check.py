"""manage.py restore_check: a dump restored into a fresh database verifies end to end, and a
tampered ledger row or a lost original fails it, named."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from provenance import dbguard
from provenance.models import LedgerEntry
from provenance.selectors.records import ledger_verify
from tests.provenance.factories import stamped_piece
from tests.provenance.restore import restored_copy


def restore_check(*args: str, **options) -> str:
    out = StringIO()
    call_command("restore_check", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_restored_dump_verifies_and_a_tampered_entry_is_named(creator, tmp_path):
    pieces = [stamped_piece(owner=creator, seed=seed)[0] for seed in (1, 2, 3)]
    assert LedgerEntry.objects.get(seq=2).kind == "created"
    source = ledger_verify()
    entries = LedgerEntry.objects.count()
    assert source.ok and entries >= len(pieces)

    with restored_copy(tmp_path) as alias:
        output = restore_check(database=alias, expect_head=source.head_hash)
        assert f"Restore OK: ledger {entries} entries, head {source.head_hash}" in output
        assert f"{len(pieces)} originals with manifests" in output
        assert f"provenance.ProvenanceRecord: {len(pieces)}" in output

        restored = connections[alias]
        with dbguard.suspended(restored), restored.cursor() as cursor:
            cursor.execute(  # a "created" entry rewritten as a licence, hash left as it was
                "UPDATE licensing_ledgerentry SET kind = 'licensed' WHERE seq = 2"
            )
        with pytest.raises(CommandError, match="ledger broken at entry #2: content does not"):
            restore_check(database=alias)

    assert ledger_verify() == source  # the source database was not touched


@pytest.mark.django_db
def test_a_missing_original_fails_the_check_with_its_piece(creator):
    kept, _, _ = stamped_piece(owner=creator, seed=4)
    lost, _, _ = stamped_piece(owner=creator, seed=5)
    lost.original.storage.delete(lost.original.name)

    with pytest.raises(CommandError, match="1 of 2 provenance records") as failure:
        restore_check()

    assert f"piece {lost.pk}: original {lost.original.name} is missing" in str(failure.value)
    assert str(kept.pk) not in str(failure.value)
    assert "originals not read (--skip-files)." in restore_check(skip_files=True)


@pytest.mark.django_db
def test_a_copy_from_an_older_point_fails_the_expected_head(creator):
    stamped_piece(owner=creator, seed=6)
    head = ledger_verify().head_hash

    with pytest.raises(CommandError, match=f"expected {'0' * 64}"):
        restore_check(expect_head="0" * 64)
    assert f"head {head}" in restore_check(expect_head=head)
