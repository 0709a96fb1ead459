import os
import shutil

import pytest

from tests.faults.workers import PrivateRedis, celery_broker
from tests.payments.conftest import fake_stripe, run_tasks_inline, stripe_settings  # noqa: F401


@pytest.fixture
def redis_broker(tmp_path, settings):
    """A private redis-server (never the shared one) as the broker; tests stop and restart it."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs the redis-server binary for the Redis restart test")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    settings.CELERY_BROKER_URL = redis.url  # what /healthz checks
    try:
        with celery_broker(redis.url):
            yield redis
    finally:
        redis.stop()
