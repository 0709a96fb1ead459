"""Seeding runs the real listing services: the same settings as tests/marketplace."""

from tests.marketplace.fixtures import listing_settings, no_embedding_tasks  # noqa: F401
