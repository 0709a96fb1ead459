"""Fixtures for every test that stamps or records provenance (imported by app conftests)."""

import pytest

from provenance import dbguard


@pytest.fixture(autouse=True)
def provenance_settings(settings, signing_root):
    settings.PROVENANCE_SIGNING_DIR = signing_root
    settings.SITE_URL = "https://promptfolio.test"
    settings.PHASH_NEAR_DUPLICATE_DISTANCE = 6
    settings.PHASH_NEAR_DUPLICATE_ACTION = "warn"
    return settings


@pytest.fixture
def ledger_guard_suspended(db):
    """Drop the append-only triggers for one test (tampering on purpose), then restore."""
    from django.db import connection

    with dbguard.suspended(connection):
        yield
