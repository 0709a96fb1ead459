import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.errors import ApplicationError
from provenance import ledger as chain
from provenance.models import AppendOnlyError, LedgerEntry, LedgerHead, LedgerKind
from provenance.selectors.records import ledger_verify
from provenance.services.ledger import LedgerEvent, ledger_append, ledger_append_many
from tests.provenance.factories import stamped_piece

pytestmark = pytest.mark.django_db


@pytest.fixture
def piece(creator):
    piece, _, _ = stamped_piece(owner=creator, seed=11)
    return piece


def test_entries_chain_each_to_the_previous_hash(piece, buyer):
    listed = ledger_append(piece=piece, kind=LedgerKind.LISTED, actor=piece.owner, data={"p": 1})
    licensed = ledger_append(
        piece=piece, kind=LedgerKind.LICENSED, actor=buyer, data={"tier": "standard"}
    )
    created = LedgerEntry.objects.get(piece=piece, kind=LedgerKind.CREATED)

    assert [created.seq, listed.seq, licensed.seq] == [1, 2, 3]
    assert created.prev_hash == chain.GENESIS
    assert listed.prev_hash == created.hash
    assert licensed.prev_hash == listed.hash
    assert licensed.hash == chain.entry_hash(LedgerEntry.objects.get(pk=licensed.pk).payload())
    head = LedgerHead.objects.get()
    assert (head.seq, head.hash) == (3, licensed.hash)
    assert ledger_verify().ok


def test_a_batch_of_appends_chains_in_order_under_one_head_lock(piece, creator, buyer):
    other, _, _ = stamped_piece(owner=creator, seed=13)
    head = LedgerHead.objects.get()

    entries = ledger_append_many(
        events=[
            LedgerEvent(piece=piece, kind=LedgerKind.LISTED, actor=creator, data={"p": 1}),
            LedgerEvent(piece=other, kind=LedgerKind.LISTED, actor=creator),
            LedgerEvent(piece=piece, kind=LedgerKind.LICENSED, actor=buyer),
        ]
    )

    assert [e.seq for e in entries] == [head.seq + 1, head.seq + 2, head.seq + 3]
    assert entries[0].prev_hash == head.hash
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert LedgerHead.objects.get().hash == entries[-1].hash
    assert ledger_verify().ok


def test_a_batch_with_one_refused_event_appends_nothing(piece, creator):
    before = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError):
        ledger_append_many(
            events=[
                LedgerEvent(piece=piece, kind=LedgerKind.LISTED, actor=creator),
                LedgerEvent(piece=piece, kind=LedgerKind.CREATED, actor=creator),  # a second one
            ]
        )
    assert LedgerEntry.objects.count() == before
    assert ledger_verify().ok


def test_created_entry_commits_to_the_stored_file(creator):
    piece, record, stamped = stamped_piece(owner=creator, seed=12)
    entry = LedgerEntry.objects.get(piece=piece)
    assert entry.kind == LedgerKind.CREATED
    assert entry.actor == creator
    assert entry.data["sha256"] == record.sha256 == piece.sha256 == stamped.sha256
    assert entry.data["c2pa_manifest_id"] == record.c2pa_manifest_id
    assert entry.data["watermark_id"] == record.watermark_id


def test_model_layer_refuses_update_and_delete(piece):
    entry = LedgerEntry.objects.get(piece=piece)
    entry.data = {"forged": True}
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(kind=LedgerKind.REVOKED)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get(pk=entry.pk).data["sha256"] == piece.sha256


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE licensing_ledgerentry SET kind = 'revoked'",
        "DELETE FROM licensing_ledgerentry",
    ],
)
def test_database_trigger_refuses_raw_sql(piece, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert LedgerEntry.objects.filter(piece=piece, kind=LedgerKind.CREATED).count() == 1


def test_verify_ledger_reports_ok(piece, capsys):
    ledger_append(piece=piece, kind=LedgerKind.LISTED, actor=piece.owner)
    call_command("verify_ledger")
    assert "Ledger OK: 2 entries" in capsys.readouterr().out


def test_verify_ledger_finds_first_tampered_row(piece, buyer, ledger_guard_suspended):
    ledger_append(piece=piece, kind=LedgerKind.LISTED, actor=piece.owner, data={"price": 500})
    ledger_append(piece=piece, kind=LedgerKind.LICENSED, actor=buyer, data={"tier": "standard"})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE licensing_ledgerentry SET data = %s WHERE seq = 2", ['{"price": 1}'])

    with pytest.raises(CommandError, match=r"entry #2: content does not match its hash"):
        call_command("verify_ledger")


def test_verify_ledger_finds_a_deleted_row(piece, buyer, ledger_guard_suspended):
    ledger_append(piece=piece, kind=LedgerKind.LISTED, actor=piece.owner)
    ledger_append(piece=piece, kind=LedgerKind.LICENSED, actor=buyer)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM licensing_ledgerentry WHERE seq = 2")

    report = ledger_verify()
    assert (report.ok, report.broken_seq, report.checked) == (False, 3, 1)


def test_verify_ledger_notices_a_truncated_tail(piece, ledger_guard_suspended):
    ledger_append(piece=piece, kind=LedgerKind.LISTED, actor=piece.owner)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM licensing_ledgerentry WHERE seq = 2")
    report = ledger_verify()
    assert not report.ok
    assert report.reason == "ledger head does not match the chain"


def test_suspending_the_guard_restores_it_afterwards(piece):
    from provenance import dbguard

    with dbguard.suspended(connection):
        pass
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM licensing_ledgerentry")
    assert LedgerEntry.objects.count() == 1


def test_rules_for_event_order(piece, creator, buyer):
    with pytest.raises(ApplicationError, match="already has a creation entry"):
        ledger_append(piece=piece, kind=LedgerKind.CREATED, actor=creator)
    other, _, _ = stamped_piece(owner=creator, seed=13)
    ledger_append(piece=other, kind=LedgerKind.REVOKED, actor=None, data={"reason": "dmca"})
    with pytest.raises(ApplicationError, match="revoked"):
        ledger_append(piece=other, kind=LedgerKind.LICENSED, actor=buyer)
    ledger_append(piece=other, kind=LedgerKind.DISPUTED, actor=creator)
    with pytest.raises(ApplicationError, match="Unknown ledger event"):
        ledger_append(piece=piece, kind="stolen", actor=buyer)
    with pytest.raises(ApplicationError, match="plain JSON"):
        ledger_append(piece=piece, kind=LedgerKind.LISTED, data={"x": float("nan")})
    assert LedgerEntry.objects.count() == 4
    assert ledger_verify().ok


def test_append_needs_a_created_entry(creator):
    from generation.models import Piece
    from tests.provenance.factories import FinishedJobFactory

    job = FinishedJobFactory(owner=creator)
    bare = Piece.objects.create(
        job=job, index=0, owner=creator, seed=1, width=512, height=512, sha256="0" * 64
    )
    with pytest.raises(ApplicationError, match="no provenance record"):
        ledger_append(piece=bare, kind=LedgerKind.LISTED, actor=creator)
    assert not LedgerEntry.objects.filter(piece=bare).exists()


def test_dispute_entries_describe_their_step(piece, buyer):
    filed = ledger_append(
        piece=piece, kind=LedgerKind.DISPUTED, actor=buyer, data={"event": "filed", "kind": "x"}
    )
    decided = ledger_append(
        piece=piece,
        kind=LedgerKind.DISPUTED,
        data={"event": "decided", "outcome": "partially_upheld"},
    )
    remedy = ledger_append(
        piece=piece, kind=LedgerKind.DISPUTED, data={"remedy": "listing_suspended"}
    )
    listed = ledger_append(piece=piece, kind=LedgerKind.LISTED, data={"event": "ignored"})

    assert [e.description for e in (filed, decided, remedy, listed)] == [
        "Disputed (filed)",
        "Disputed (decided: partially upheld)",
        "Disputed (listing suspended)",
        "Listed",
    ]
