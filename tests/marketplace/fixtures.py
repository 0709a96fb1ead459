"""Fixtures for tests that run the real listing services (imported by app conftests)."""

import pytest


@pytest.fixture(autouse=True)
def listing_settings(settings, signing_root):
    """Real provenance (signing, pHash index, ledger) with near-duplicates blocked. (The
    cache is emptied around every test by the root conftest.)"""
    settings.PROVENANCE_SIGNING_DIR = signing_root
    settings.PHASH_NEAR_DUPLICATE_DISTANCE = 6
    settings.PHASH_NEAR_DUPLICATE_ACTION = "block"
    return settings


@pytest.fixture
def no_embedding_tasks(monkeypatch):
    """Record embedding wake-ups instead of sending them to a broker."""
    sent = []
    monkeypatch.setattr("marketplace.tasks.listing_embed.delay", sent.append)
    return sent
