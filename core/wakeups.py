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


def wake_after_commit(task, *args) -> None:
    """`task.delay(*args)` once the current transaction commits (at once outside one);
    never raises for an unreachable broker."""

    def send() -> None:
        try:
            task.delay(*args)
        except BrokerUnavailable as error:
            logger.warning(
                "Broker unavailable; %s%r waits for its sweeper: %s", task.name, args, error
            )

    transaction.on_commit(send)
