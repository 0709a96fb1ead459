"""Log records as the configured handler sees them: with the log context's fields on."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from core.logcontext import ContextFilter


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextmanager
def records_of(name: str) -> Iterator[list[logging.LogRecord]]:
    """The INFO-and-above records of logger `name` (and its children) inside the block."""
    handler = Records()
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
