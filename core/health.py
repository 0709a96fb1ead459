"""Extra `/healthz` sections: facts a higher floor reports to the operator (generation: its
live GPU workers) without core importing it. The higher app registers a section in its
`AppConfig.ready()`. A section informs and never fails the probe: a web-only deployment
with no GPU worker is still healthy, and a section that raises shows its error instead.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

RESERVED = frozenset({"status", "checks"})

_sections: dict[str, Callable[[], object]] = {}


def register(name: str, report: Callable[[], object]) -> Callable[[], object]:
    """Add (or replace, on a repeated `ready()`) the section `name`."""
    if name in RESERVED:
        raise ValueError(f"{name!r} is part of the /healthz body itself.")
    _sections[name] = report
    return report


def registered() -> dict[str, Callable[[], object]]:
    return dict(_sections)


def sections() -> dict[str, object]:
    """Every section's report, in registration order."""
    reports = {}
    for name, report in _sections.items():
        try:
            reports[name] = report()
        except Exception as exc:  # noqa: BLE001 - a failing section is reported, not raised
            logger.warning("Health section %s failed: %s", name, exc)
            reports[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return reports
