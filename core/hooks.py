"""Hooks: how a lower floor tells a higher one that something happened, without importing it.

The lower app owns a `Hook`, declares its payload type and calls it after its own work; a
higher app subscribes in its `AppConfig.ready()`. Handlers run in registration order, in the
caller's transaction, and an exception from one propagates to the caller (a hook is part of
the use case, not a fire-and-forget signal). With no subscriber, calling a hook does nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Payload = TypeVar("Payload")


@dataclass
class Hook(Generic[Payload]):
    """One named event with a typed payload and its ordered handlers."""

    name: str
    handlers: list[Callable[[Payload], object]] = field(default_factory=list)

    def register(self, handler: Callable[[Payload], object]) -> Callable[[Payload], object]:
        """Subscribe once (registering the same handler again is a no-op, so a repeated
        `ready()` cannot double-run it). Returns the handler, so it works as a decorator."""
        if handler not in self.handlers:
            self.handlers.append(handler)
        return handler

    def unregister(self, handler: Callable[[Payload], object]) -> None:
        if handler in self.handlers:
            self.handlers.remove(handler)

    def call(self, payload: Payload) -> list[object]:
        """Run every handler with the payload; the list of what each returned."""
        return [handler(payload) for handler in list(self.handlers)]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self.handlers)} handler(s)>"
