"""Wake-up messages for work whose truth is a database row.

A Celery message only says "look at row X": the row was written in the same transaction as
the decision, and a periodic sweeper finds rows whose message never arrived. So a broker
that is down at commit must not turn a committed request into a 500: the message is sent
after commit, and a broker error is logged and left to the sweeper.
"""

import importlib
import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def wake(task, *args) -> bool:
    """`task.delay(*args)` now; False (logged) when the broker is unreachable. For sweepers,
    which run outside a transaction and simply try again on their next round."""
    return wake_on_queue(task, None, *args)


def wake_on_queue(task, queue: str | None, *args) -> bool:
    """`wake`, on `queue` (None: the task's route), e.g. the queue of the engine a job needs."""
    try:
        task.apply_async(args, queue=queue) if queue else task.delay(*args)
    except BrokerUnavailable as error:
        logger.warning("Broker unavailable; %s%r waits for its sweeper: %s", task.name, args, error)
        return False
    return True


def wake_after_commit(task, *args) -> None:
    """`wake(task, *args)` once the current transaction commits (at once outside one), so
    the task never runs before the rows it reads exist; never raises for the broker."""
    transaction.on_commit(lambda: wake(task, *args))


def task_named(name: str):
    """The registered Celery task called `name`. A service wakes its own app's task by name,
    so services never import tasks (tasks import services). Every task name starts with its
    app's package, whose `tasks` module is imported on first use outside a worker (a worker
    imports them all at start)."""
    if name not in current_app.tasks:
        importlib.import_module(f"{name.split('.')[0]}.tasks")
    return current_app.tasks[name]


def wake_named(name: str, *args) -> bool:
    return wake(task_named(name), *args)


def wake_named_after_commit(name: str, *args) -> None:
    transaction.on_commit(lambda: wake_named(name, *args))


def wake_named_on_queue(name: str, queue: str, *args) -> bool:
    return wake_on_queue(task_named(name), queue, *args)


def wake_named_on_queue_after_commit(name: str, queue: str, *args) -> None:
    """`wake_named_after_commit`, on `queue`: workers consume only the queues they serve."""
    transaction.on_commit(lambda: wake_named_on_queue(name, queue, *args))
