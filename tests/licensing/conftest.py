import pytest

from tests.marketplace.fixtures import no_embedding_tasks  # noqa: F401
from tests.provenance.fixtures import provenance_settings  # noqa: F401


@pytest.fixture
def tiers(db):
    """Seeded tiers (v1 terms), restored if a transactional test flushed them."""
    from tests.licensing.licences import ensure_tiers

    ensure_tiers()
