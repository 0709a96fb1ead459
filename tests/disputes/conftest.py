import pytest

from disputes.services.takedowns import takedown_file
from tests.disputes.takedown_helpers import NOTICE
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing
from tests.provenance.fixtures import provenance_settings  # noqa: F401


@pytest.fixture
def listing(creator):
    """A listing on sale (modules that need another kind define their own)."""
    return make_listing(creator, publish=True)


@pytest.fixture
def holder(db):
    """A rights holder who files copyright notices."""
    return UserFactory(display_name="Rhea Holder")


@pytest.fixture
def notice(holder, listing):
    """A copyright takedown notice against `listing`, as filed through the service."""
    return takedown_file(claimant=holder, listing=listing, statements=NOTICE)
