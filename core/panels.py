"""Page panels: a lower floor's page shows what a higher floor adds to it, without naming it.

A page marks a slot with `{% panels "slot" obj %}` (core/templatetags/panels.py); a higher
app registers a template and a context function for the slot in its `AppConfig.ready()`. A
context function returns None when it has nothing to show for this user and object. This is
the template-side twin of `core.hooks`: no lower template links up to a higher app's URLs.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[[HttpRequest, object], dict | None]


_slots: dict[str, list[Panel]] = {}


def register(slot: str, *, template: str, context: Callable[[HttpRequest, object], dict | None]):
    """Add a panel to `slot` once (a repeated `ready()` cannot show it twice)."""
    panel = Panel(template=template, context=context)
    if panel not in _slots.setdefault(slot, []):
        _slots[slot].append(panel)
    return panel


def registered(slot: str) -> list[Panel]:
    return list(_slots.get(slot, ()))


def render(slot: str, *, request: HttpRequest, obj: object = None) -> str:
    """Every panel of `slot` that has something to show, in registration order."""
    parts = []
    for panel in registered(slot):
        context = panel.context(request, obj)
        if context is not None:
            parts.append(render_to_string(panel.template, context, request=request))
    return "".join(parts)
