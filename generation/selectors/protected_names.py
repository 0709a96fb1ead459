"""The active protected names, read once per change instead of once per prompt.

Every process keeps the last list it read with the version it read it at. The version lives
in the shared cache; saving or deleting a ProtectedName (admin, services, cascades) writes a
new one (`protected_names_changed`, connected in `GenerationConfig.ready()`), so the next
check anywhere reads the list again. A cleared cache also counts as a change.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from generation.models import ProtectedName

VERSION_KEY = "prompt_policy:protected_names:version"


@dataclass(frozen=True)
class ActiveName:
    normalised: str
    kind: str
    style_id: str | None


_lock = threading.Lock()
_loaded: dict = {"version": None, "names": ()}


def protected_names_changed(**_signal_kwargs) -> None:
    """A new version now (this transaction's own reads see it) and again after commit (so a
    process that read the old rows meanwhile reads them again)."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _version() -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def protected_names_active() -> tuple[str | None, tuple[ActiveName, ...]]:
    """(version, names); one cache read, and one query only after a change."""
    version = _version()
    with _lock:
        if version is not None and version == _loaded["version"]:
            return version, _loaded["names"]
    rows = ProtectedName.objects.filter(active=True).values_list("normalised", "kind", "style_id")
    names = tuple(
        ActiveName(normalised=n, kind=k, style_id=None if s is None else str(s)) for n, k, s in rows
    )
    with _lock:
        _loaded.update(version=version, names=names)
    return version, names
