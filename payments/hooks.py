"""What payments tells the floors above it about order lines, by line kind.

`order_mark_paid` announces every paid line here; each kind has one subscriber, registered
in an AppConfig.ready(): payments settles licence lines (through licensing, below it) and
prepaid credit itself, commissions starts a commission's work. Refunded commission lines
are announced likewise. Handlers run inside the payment's or the refund's transaction."""

from dataclasses import dataclass

from core.hooks import Hook


@dataclass(frozen=True)
class OrderLinePaid:
    order_line: object  # payments.models.OrderLine
    kind: str  # OrderLine.kind
    source: str


@dataclass(frozen=True)
class OrderLineRefunded:
    order_line: object  # payments.models.OrderLine
    kind: str
    reason: str
    actor: object | None  # the user who refunded, None for the system


order_line_paid: Hook[OrderLinePaid] = Hook("payments.order_line_paid")
order_line_refunded: Hook[OrderLineRefunded] = Hook("payments.order_line_refunded")
