"""Who hears about each commission status change, and what they read.

`commission_set_status` calls `commission_notify` for every change, inside the same
transaction: the in-app rows commit with the change, the emails go out after commit
(core.services.notifications). Each recipient gets one notification per change.
"""

from django.urls import reverse

from commissions.models import Commission, CommissionKind, CommissionStatus
from commissions.notification_kinds import COMMISSIONS
from core.services.notifications import notification_send

BUYER, CREATOR = "buyer", "creator"

# status → who is told (the party who acted is not told about their own step).
RECIPIENTS: dict[str, tuple[str, ...]] = {
    CommissionStatus.REQUESTED: (CREATOR,),
    CommissionStatus.DECLINED: (BUYER,),
    CommissionStatus.QUOTED: (BUYER,),
    CommissionStatus.IN_PROGRESS: (BUYER, CREATOR),
    CommissionStatus.DELIVERED: (BUYER,),
    CommissionStatus.REVISION_REQUESTED: (CREATOR,),
    CommissionStatus.COMPLETED: (BUYER, CREATOR),
    CommissionStatus.FAILED: (BUYER, CREATOR),
    CommissionStatus.CANCELLED: (BUYER, CREATOR),
    CommissionStatus.REFUNDED: (BUYER, CREATOR),
}
# Awaiting payment: an instant commission waits on the buyer's own checkout (a link back
# to it); a brief's accepted quote tells the creator payment is on its way.
AWAITING_PAYMENT = {CommissionKind.INSTANT: (BUYER,), CommissionKind.BRIEF: (CREATOR,)}


def recipients_for(commission: Commission, status: str) -> tuple[str, ...]:
    if status == CommissionStatus.AWAITING_PAYMENT:
        return AWAITING_PAYMENT[commission.kind]
    return RECIPIENTS.get(status, ())


def _title(commission: Commission) -> str:
    if commission.kind == CommissionKind.INSTANT and commission.style_version_id:
        return f"your commission in “{commission.style_version.style.title}”"
    return "the brief"


def _subject(commission: Commission, status: str, role: str) -> str:
    title = _title(commission)
    buyer, creator = commission.buyer.public_name, commission.creator.public_name
    subjects = {
        CommissionStatus.REQUESTED: f"New brief from {buyer}",
        CommissionStatus.DECLINED: f"{creator} declined your brief",
        CommissionStatus.QUOTED: f"{creator} sent a quote for your brief",
        CommissionStatus.AWAITING_PAYMENT: (
            f"Complete payment for {title}" if role == BUYER else f"{buyer} accepted your quote"
        ),
        CommissionStatus.IN_PROGRESS: (
            f"Payment received: {title} is in progress"
            if role == BUYER
            else f"Paid commission from {buyer}: in progress"
        ),
        CommissionStatus.DELIVERED: f"{creator} delivered {title}: please review",
        CommissionStatus.REVISION_REQUESTED: f"{buyer} asked for a revision",
        CommissionStatus.COMPLETED: (
            f"Completed: your licence for {title} is ready"
            if role == BUYER
            else f"Commission from {buyer} completed: your share is on its way"
        ),
        CommissionStatus.FAILED: f"Commission failed and was refunded ({title})",
        CommissionStatus.CANCELLED: f"Commission cancelled ({title})",
        CommissionStatus.REFUNDED: f"Commission refunded ({title})",
    }
    return subjects.get(status, f"Commission update: {status}")


def commission_notify(*, commission: Commission, status: str, message: str = "") -> None:
    """Tell the right party (or both) about `status`; one notification each."""
    roles = recipients_for(commission, status)
    if not roles:
        return
    url = reverse("commissions:detail", kwargs={"commission_id": commission.pk})
    for role in roles:
        user = commission.buyer if role == BUYER else commission.creator
        notification_send(
            users=[user],
            subject=_subject(commission, status, role),
            body=message,
            url=url,
            kind=COMMISSIONS,
        )
