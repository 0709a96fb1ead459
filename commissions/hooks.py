"""What commissions tells or asks the floors above it (they subscribe in AppConfig.ready)."""

import uuid
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


@dataclass(frozen=True)
class CommissionStatusChanged:
    """A commission moved from one status to another (called in that transaction, after its
    CommissionEvent row)."""

    commission_id: uuid.UUID
    from_status: str
    to_status: str
    buyer_id: int
    creator_id: int


commission_status_changed: Hook[CommissionStatusChanged] = Hook("commissions.status_changed")


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
