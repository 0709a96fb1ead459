from tests.payments.conftest import run_tasks_inline, stripe_settings  # noqa: F401
