from tests.payments.conftest import fake_stripe, run_tasks_inline, stripe_settings  # noqa: F401
