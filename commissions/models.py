"""Commissions: a buyer pays a creator for new work, instantly in a style or by a brief.

Every status change is a CommissionEvent row. Money sits on the commission's OrderLine with
`transfer_held` set until the work is delivered (instant: the job succeeded; brief: the buyer
accepted), so the creator is paid exactly once and only for delivered work.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import StatusHistory

MAX_REVISIONS = 2
REVIEW_DAYS = 7


class CommissionKind(models.TextChoices):
    INSTANT = "instant", "Instant (in a style)"
    BRIEF = "brief", "Brief"


class CommissionStatus(models.TextChoices):
    REQUESTED = "requested", "Brief sent"
    DECLINED = "declined", "Declined"
    QUOTED = "quoted", "Quoted"
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    IN_PROGRESS = "in_progress", "In progress"
    DELIVERED = "delivered", "Delivered"
    REVISION_REQUESTED = "revision_requested", "Revision requested"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed (refunded)"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Commission(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=CommissionKind.choices)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissions_ordered"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissions_received"
    )
    status = models.CharField(max_length=20, choices=CommissionStatus.choices, db_index=True)
    style_version = models.ForeignKey(
        "generation.StyleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commissions",
    )
    prompt = models.TextField(max_length=1000, blank=True)
    negative_prompt = models.TextField(max_length=1000, blank=True)
    count = models.PositiveSmallIntegerField(default=1)
    brief = models.TextField(max_length=4000, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    budget_amount = models.PositiveIntegerField(null=True, blank=True)
    quote_amount = models.PositiveIntegerField(null=True, blank=True)
    quote_note = models.TextField(max_length=2000, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    tier_code = models.CharField(max_length=20, default="standard")
    order_line = models.OneToOneField(
        "payments.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission",
    )
    job = models.OneToOneField(
        "generation.GenerationJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commission",
    )
    delivered_pieces = models.ManyToManyField(
        "generation.Piece", blank=True, related_name="commission_deliveries"
    )
    delivery_note = models.TextField(max_length=2000, blank=True)
    revisions_used = models.PositiveSmallIntegerField(default=0)
    max_revisions = models.PositiveSmallIntegerField(default=MAX_REVISIONS)
    review_deadline = models.DateTimeField(
        null=True, blank=True, help_text="A delivery not acted on by then is accepted."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "review_deadline"], name="commission_review_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CommissionStatus.values),
                name="commission_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=CommissionKind.values), name="commission_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("creator")), name="commission_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(revisions_used__lte=models.F("max_revisions")),
                name="commission_revisions_bounded",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="instant") | models.Q(style_version__isnull=False),
                name="commission_instant_has_style",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} commission {self.pk} ({self.status})"

    def delivery_disputable(self, now=None) -> bool:
        """A brief's delivery can be disputed once delivered, or once its deadline passed
        while the work was still in progress (the one rule for the button and the service)."""
        if self.kind != CommissionKind.BRIEF:
            return False
        if self.status == CommissionStatus.DELIVERED:
            return True
        overdue = self.deadline is not None and self.deadline <= (now or timezone.now())
        return overdue and self.status in (
            CommissionStatus.IN_PROGRESS,
            CommissionStatus.REVISION_REQUESTED,
        )

    @property
    def price_amount(self) -> int | None:
        return self.order_line.amount if self.order_line_id else self.quote_amount


class CommissionReference(models.Model):
    """A reference image attached to a brief (re-encoded, metadata stripped)."""

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="references")
    image = models.FileField(upload_to="commission-references/", max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the file as uploaded, before cleaning."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Reference {self.pk} of {self.commission_id}"


class CommissionEvent(StatusHistory):
    """Append-only history: every status change of a commission, who made it, and why."""

    history_of = "commission"

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(max_length=100, help_text="user, webhook:<id>, worker, sweeper")
    message = models.TextField(max_length=2000, blank=True)
