"""A future that is already done, for code paths that run synchronously behind the same
interface as a pool (inline stamping, the inline stage, a batch with nothing to render)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def completed_future(work: Callable[..., T], *args) -> Future[T]:
    """Run `work(*args)` now; its result, or the exception it raised, is in the future."""
    future: Future[T] = Future()
    try:
        future.set_result(work(*args))
    except Exception as error:  # noqa: BLE001 - handed to the caller through the future
        future.set_exception(error)
    return future


def done_future(value: T) -> Future[T]:
    future: Future[T] = Future()
    future.set_result(value)
    return future
