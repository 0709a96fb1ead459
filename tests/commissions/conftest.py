import pytest

from tests.licensing.conftest import provenance_settings  # noqa: F401
from tests.payments.conftest import (  # noqa: F401
    fake_stripe,
    run_tasks_inline,
    stripe_settings,
)


@pytest.fixture
def style(creator):
    from tests.commissions.factories import make_style

    return make_style(creator)
