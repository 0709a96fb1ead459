"""Commission status changes: the row lock, the transition with its history row, the guard."""

from django.contrib.auth import get_user_model

from commissions.hooks import CommissionStatusChanged, commission_status_changed
from commissions.models import Commission, CommissionEvent
from commissions.services.notify import commission_notify
from core.errors import ApplicationError
from core.watch import watch_bump

User = get_user_model()


def commission_lock(commission: Commission) -> Commission:
    return Commission.objects.select_for_update().get(pk=commission.pk)


def commission_set_status(
    *,
    commission: Commission,
    status: str,
    source: str,
    actor: User | None = None,
    message: str = "",
    fields=(),
) -> Commission:
    """Save `status` (plus `fields`), write the CommissionEvent, notify the parties, call
    `commission_status_changed` and show the change to pollers of the page after commit;
    the caller holds the lock."""
    previous = commission.status
    commission.status = status
    commission.save(update_fields=["status", "updated_at", *fields])
    CommissionEvent.objects.create(
        commission=commission,
        from_status=previous,
        to_status=status,
        actor=actor,
        source=source,
        message=message[:2000],
    )
    commission_notify(commission=commission, status=status, message=message)
    commission_status_changed.call(
        CommissionStatusChanged(
            commission_id=commission.pk,
            from_status=previous,
            to_status=status,
            buyer_id=commission.buyer_id,
            creator_id=commission.creator_id,
        )
    )
    watch_bump("commission", commission.pk)
    return commission


def require_status(commission: Commission, *allowed: str, action: str) -> None:
    if commission.status not in allowed:
        raise ApplicationError(
            f"You cannot {action} a commission that is {commission.get_status_display().lower()}.",
            code="wrong_state",
        )
