import pytest

from tests.payments.conftest import (  # noqa: F401
    fake_stripe,
    run_tasks_inline,
    stripe_settings,
)
from tests.provenance.fixtures import provenance_settings  # noqa: F401


@pytest.fixture
def style(creator):
    from tests.commissions.factories import make_style

    return make_style(creator)
