from tests.marketplace.fixtures import listing_settings, no_embedding_tasks  # noqa: F401
