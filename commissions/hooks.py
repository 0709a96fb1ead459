"""What commissions asks the floors above it (they subscribe in AppConfig.ready)."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.hooks import Hook


@dataclass(frozen=True)
class HeldCommissions:
    """Which commissions another app holds (a dispute about the delivery): a handler returns
    a `values("commission_id")`-style subquery of their ids. `include_decided` also counts
    cases that were decided but can still be appealed."""

    include_decided: bool = False


commissions_held: Hook[HeldCommissions] = Hook("commissions.held")


def held_commissions_q(*, field: str = "pk", include_decided: bool = False) -> Q:
    """A filter matching rows whose `field` is a held commission's id (nothing without
    subscribers)."""
    held = Q(**{f"{field}__in": []})
    subqueries: list[QuerySet] = commissions_held.call(
        HeldCommissions(include_decided=include_decided)
    )
    for subquery in subqueries:
        held |= Q(**{f"{field}__in": subquery})
    return held
