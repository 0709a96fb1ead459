from tests.payments.conftest import fake_stripe  # noqa: F401  (fixture re-export)
