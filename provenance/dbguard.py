"""Database-level append-only guard for the ledger table (triggers), per vendor.

Migration 0002 installs the same SQL (copied there, as migrations must stay frozen).
`suspended()` drops and restores the triggers: for verify_ledger's tamper test and for
transactional tests on SQLite, whose flush runs DELETE on every table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

TABLE = "licensing_ledgerentry"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION licensing_ledger_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger entries are append-only: % refused on {TABLE}', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS licensing_ledger_append_only ON {TABLE}",
    f"""
    CREATE TRIGGER licensing_ledger_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION licensing_ledger_refuse_change()
    """,
]
POSTGRES_REMOVE = [f"DROP TRIGGER IF EXISTS licensing_ledger_append_only ON {TABLE}"]

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS licensing_ledger_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS licensing_ledger_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: DELETE refused'); END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS licensing_ledger_no_update",
    "DROP TRIGGER IF EXISTS licensing_ledger_no_delete",
]


def statements(vendor: str, *, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, install=True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in statements(connection.vendor, install=False):
            cursor.execute(sql)


@contextmanager
def suspended(connection) -> Iterator[None]:
    """Run the block without the append-only triggers (tests and audited repairs only)."""
    remove(connection)
    try:
        yield
    finally:
        install(connection)
