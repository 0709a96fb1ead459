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


@pytest.fixture
def tiers(db):
    """Seeded tiers (v1 terms), restored if a transactional test flushed them."""
    from tests.licensing.licences import ensure_tiers

    ensure_tiers()


@pytest.fixture
def no_embedding_tasks(monkeypatch):
    sent = []
    monkeypatch.setattr("marketplace.tasks.listing_embed.delay", sent.append)
    return sent
