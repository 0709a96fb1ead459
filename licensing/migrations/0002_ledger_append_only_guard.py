"""DB-level append-only guard: UPDATE and DELETE on ledger rows raise, from any client.

The SQL is frozen here on purpose; provenance/dbguard.py holds the same statements
for runtime use (suspending the guard in tests).
"""

from django.db import migrations

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
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS licensing_ledger_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS licensing_ledger_refuse_change()",
]
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


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": postgres, "sqlite": sqlite}.get(vendor, []):
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    _run(schema_editor, POSTGRES_INSTALL, SQLITE_INSTALL)


def remove(apps, schema_editor):
    _run(schema_editor, POSTGRES_REMOVE, SQLITE_REMOVE)


def create_head(apps, schema_editor):
    apps.get_model("licensing", "LedgerHead").objects.using(
        schema_editor.connection.alias
    ).get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install, remove),
    ]
