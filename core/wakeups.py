"""Wake-up messages for work whose truth is a database row.

A Celery message only says "look at row X": the row was written in the same transaction as
the decision, and a periodic sweeper finds rows whose message never arrived. So a broker
that is down at commit must not turn a committed request into a 500: the message is sent
after commit, and a broker error is logged and left to the sweeper.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def wake(task, *args) -> bool:
    """`task.delay(*args)` now; False (logged) when the broker is unreachable. For sweepers,
    which run outside a transaction and simply try again on their next round."""
    try:
        task.delay(*args)
    except BrokerUnavailable as error:
        logger.warning("Broker unavailable; %s%r waits for its sweeper: %s", task.name, args, error)
        return False
    return True


def wake_after_commit(task, *args) -> None:
    """`wake(task, *args)` once the current transaction commits (at once outside one), so
    the task never runs before the rows it reads exist; never raises for the broker."""
    transaction.on_commit(lambda: wake(task, *args))
