"""Orders and money movements. Amounts are integer minor units with an ISO currency.

Every order status change is an OrderEvent row; each Stripe event is stored once
(WebhookEvent.event_id is unique), which is what makes webhook handling idempotent.
"""

import uuid

from django.conf import settings
from django.db import models

from core.models import StatusHistory


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    HELD = "held", "Held for review: paid, not granted, refund owed"
    FAILED = "failed", "Payment failed"
    CANCELLED = "cancelled", "Cancelled"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


class Gateway(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    LOCAL = "local", "Local test gateway"
    CREDIT = "credit", "Prepaid credit"


# An order line that buys prepaid credit (no creator, no listing): see CreditEntry.
CREDIT_TIER = "credit"


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    currency = models.CharField(max_length=3)
    total_amount = models.PositiveIntegerField()
    platform_fee_amount = models.PositiveIntegerField()
    refunded_amount = models.PositiveIntegerField(default=0)
    gateway = models.CharField(max_length=10, choices=Gateway.choices)
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    # What the provider said when the session opened; every money event must match it.
    session_amount_total = models.PositiveIntegerField(null=True, blank=True)
    session_currency = models.CharField(max_length=3, blank=True)
    session_livemode = models.BooleanField(null=True, blank=True)
    # What the buyer was charged: the order's own amount, or its converted amount when
    # Stripe presented the session in the buyer's currency (currency conversion).
    paid_amount = models.PositiveIntegerField(null=True, blank=True)
    paid_currency = models.CharField(max_length=3, blank=True)
    flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="A provider event did not match: a moderator looks."
    )
    flag_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(platform_fee_amount__lte=models.F("total_amount")),
                name="order_fee_within_total",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("total_amount")),
                name="order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.status})"


class LineKind(models.TextChoices):
    LICENCE = "licence", "Licence for a listing"
    CREDIT = "credit", "Prepaid credit"
    COMMISSION = "commission", "Commission"


class OrderLine(models.Model):
    """One licence bought: a listing at a tier (or a commission), and how the money splits."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    listing = models.ForeignKey(
        "marketplace.Listing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        help_text="Empty for a commission line (see commissions.Commission.order_line).",
    )
    tier_code = models.CharField(max_length=20)
    description = models.CharField(max_length=200)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sold_lines",
        help_text="Empty only for a prepaid-credit line (the platform holds that money).",
    )
    amount = models.PositiveIntegerField()
    platform_fee_amount = models.PositiveIntegerField()
    creator_amount = models.PositiveIntegerField()
    transfer_id = models.CharField(max_length=255, blank=True)
    transfer_held = models.BooleanField(
        default=False,
        help_text="Escrow: the creator is paid only once the commission is delivered/accepted.",
    )
    transfer_reversed = models.BooleanField(default=False)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # An automatic refund owed, recorded in the transaction that decided it; the task (woken
    # after commit) or the sweeper issues it. Owed while `refunded_at` is empty.
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    refund_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["refund_requested_at"],
                condition=models.Q(refund_requested_at__isnull=False, refunded_at__isnull=True),
                name="order_line_refund_owed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount=models.F("platform_fee_amount") + models.F("creator_amount")
                ),
                name="order_line_split_adds_up",
            ),
            models.CheckConstraint(
                condition=models.Q(creator__isnull=False) | models.Q(tier_code=CREDIT_TIER),
                name="order_line_creator_unless_credit",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def kind(self) -> str:
        """What was bought, from the row's own fields (the one rule every settle follows)."""
        if self.tier_code == CREDIT_TIER:
            return LineKind.CREDIT
        return LineKind.LICENCE if self.listing_id is not None else LineKind.COMMISSION


class OrderEvent(StatusHistory):
    """Append-only history of an order: every payment status change and its source."""

    history_of = "order"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(max_length=100, help_text="user, webhook:<event id>, sweeper…")
    message = models.TextField(blank=True)


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", "Received, not yet processed"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Kept: not a type we handle"
    REFUSED = "refused", "Refused: did not match its order"
    FAILED = "failed", "Failed: not retried until a moderator asks"


class WebhookEvent(models.Model):
    """Each provider event once. A redelivery finds its row and does nothing.

    `raw_payload` is the body exactly as the provider signed it (never the SDK's object,
    whose Decimal fields no JSON column accepts); processing parses it again."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    raw_payload = models.TextField()
    status = models.CharField(
        max_length=10,
        choices=WebhookEventStatus.choices,
        default=WebhookEventStatus.RECEIVED,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last attempt failed or was refused.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=WebhookEventStatus.values),
                name="webhook_event_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookEventHistory(StatusHistory):
    """Append-only history of a stored event: each outcome, failure and moderator retry."""

    history_of = "webhook_event"

    webhook_event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    source = models.CharField(max_length=100, help_text="worker, sweeper, admin")
    message = models.TextField(blank=True)


class PayoutAccount(models.Model):
    """A creator's Stripe Connect account (Express). Its flags follow Stripe's account
    (`account.updated`); every change of them is a PayoutAccountEvent."""

    creator = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_account"
    )
    stripe_account_id = models.CharField(max_length=255, unique=True)
    payouts_enabled = models.BooleanField(default=False)
    charges_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    FLAGS = ("payouts_enabled", "charges_enabled", "details_submitted")

    def __str__(self) -> str:
        return self.stripe_account_id

    @property
    def status(self) -> str:
        """One word for the history: can it be paid, is Stripe checking it, or not yet."""
        if self.payouts_enabled:
            return "enabled"
        return "restricted" if self.details_submitted else "onboarding"


class PayoutAccountEvent(StatusHistory):
    """Append-only history of a payout account: its creation and each change of its flags."""

    history_of = "payout_account"

    payout_account = models.ForeignKey(
        PayoutAccount, on_delete=models.CASCADE, related_name="events"
    )
    source = models.CharField(max_length=100, help_text="user, webhook:<event id>…")
    message = models.TextField(blank=True)


class RefundRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class RefundRequest(models.Model):
    """A buyer asks for a line's money back; the creator or a moderator decides."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="refund_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="refund_requests"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=RefundRequestStatus.choices, default=RefundRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(status="pending"),
                name="refund_request_one_pending_per_line",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund request {self.pk} ({self.status})"


class CreditEntryKind(models.TextChoices):
    TOP_UP = "top_up", "Bought credit"
    SPEND = "spend", "Paid with credit"
    REFUND = "refund", "Refund to credit"


class CreditAccount(models.Model):
    """A buyer's prepaid balance in one currency: the row that is locked for every change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_accounts"
    )
    currency = models.CharField(max_length=3)
    balance = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "currency"], name="credit_one_per_currency"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="credit_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Credit {self.user_id} {self.balance} {self.currency}"


class CreditEntry(models.Model):
    """Append-only ledger of a credit account: rows are only ever inserted. Unique keys
    per order line / order make each movement happen once (a redelivered webhook, a
    repeated refund or a double-submitted payment finds its row and stops)."""

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=CreditEntryKind.choices)
    amount = models.IntegerField(help_text="Signed: positive adds credit, negative spends it.")
    balance_after = models.PositiveIntegerField()
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="credit_entries")
    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_entries",
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CreditEntryKind.values), name="credit_kind_valid"
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="credit_amount_nonzero"),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="credit_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="spend") & models.Q(amount__lt=0))
                | (~models.Q(kind="spend") & models.Q(amount__gt=0)),
                name="credit_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(kind="spend"), name="credit_spend_once"
            ),
            models.UniqueConstraint(
                fields=["order_line", "kind"],
                condition=models.Q(order_line__isnull=False),
                name="credit_line_movement_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} → {self.balance_after}"

    @property
    def magnitude(self) -> int:
        return abs(self.amount)
