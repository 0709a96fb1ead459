from tests.provenance.fixtures import ledger_guard_suspended, provenance_settings  # noqa: F401
