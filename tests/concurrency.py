"""Race helpers for the PostgreSQL row-lock tests."""

import threading
from contextlib import nullcontext

from django.db import connections, transaction


def run_in_threads(work, count, *, atomic=True):
    """Start `count` threads at once (barrier); return what each returned or raised.

    `atomic=False` for durable services, which refuse to run inside a transaction."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(index):
        try:
            barrier.wait(timeout=30)
            with transaction.atomic() if atomic else nullcontext():
                results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results
