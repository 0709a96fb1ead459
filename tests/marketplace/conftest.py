from tests.marketplace.fixtures import listing_settings, no_embedding_tasks  # noqa: F401
from tests.payments.conftest import fake_stripe  # noqa: F401  (fixture re-export)
