"""Disputes about listings, licences and commissions: audit trail, messages, evidence,
notifications.

A dispute is against a listing (its creator responds), a licence grant (its licensee
responds) or a brief commission's delivery (its creator responds). Status moves open →
under_review → awaiting_response → decided → closed, with one appeal (decided → appealed →
decided). Every action is a DisputeEvent row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class DisputeKind(models.TextChoices):
    INFRINGEMENT = "infringement", "Infringement: this is my work"
    LICENCE_BREACH = "licence_breach", "Licence breach by a licensee"
    NON_DELIVERY = "non_delivery", "Non-delivery or wrong file"
    FALSE_DISCLOSURE = "false_disclosure", "AI disclosure or provenance is false"
    OTHER = "other", "Other (report this listing)"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    AWAITING_RESPONSE = "awaiting_response", "Awaiting response"
    DECIDED = "decided", "Decided"
    APPEALED = "appealed", "Appealed"
    CLOSED = "closed", "Closed"


class DisputeOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    REJECTED = "rejected", "Rejected"
    PARTIALLY_UPHELD = "partially_upheld", "Partially upheld"


ACTIVE_STATUSES = (
    DisputeStatus.OPEN,
    DisputeStatus.UNDER_REVIEW,
    DisputeStatus.AWAITING_RESPONSE,
    DisputeStatus.APPEALED,
)


class Dispute(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=DisputeKind.choices)
    status = models.CharField(
        max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    outcome = models.CharField(max_length=20, choices=DisputeOutcome.choices, blank=True)
    listing = models.ForeignKey(
        "marketplace.Listing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        help_text="Empty for a commission dispute.",
    )
    commission = models.ForeignKey(
        "commissions.Commission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
        help_text="A brief commission's delivery (its creator responds; auto-accept pauses).",
    )
    grant = models.ForeignKey(
        "licensing.LicenceGrant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
    )
    # "listing:<id>", "grant:<id>" or "commission:<id>": one active dispute per claimant and
    # target (see Meta).
    target_key = models.CharField(max_length=60, editable=False)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_filed"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_against"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes_assigned",
    )
    statement = models.TextField(max_length=5000)
    respondent_deadline = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(max_length=5000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_reason = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "licensing_dispute"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="dispute_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DisputeStatus.values), name="dispute_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=DisputeKind.values), name="dispute_kind_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(claimant=models.F("respondent")),
                name="dispute_not_against_self",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="")
                | models.Q(outcome__in=DisputeOutcome.values, decided_at__isnull=False),
                name="dispute_outcome_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(listing__isnull=False) | models.Q(commission__isnull=False),
                name="dispute_about_listing_or_commission",
            ),
            models.UniqueConstraint(
                fields=["claimant", "target_key"],
                condition=models.Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="dispute_one_active_per_claimant_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} dispute {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:dispute_detail", kwargs={"dispute_id": self.pk})

    @property
    def about(self) -> str:
        """What the case is about, for subjects and lists."""
        if self.listing_id:
            return f"“{self.listing.title}”"
        return f"a brief commission for {self.commission.creator.public_name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def can_appeal(self) -> bool:
        return self.status == DisputeStatus.DECIDED and self.appealed_at is None


class DisputeEvent(models.Model):
    """Append-only audit trail: who did what to a case, when."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(max_length=5000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False, help_text="Visible to moderators only.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "licensing_disputeevent"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.action}"


class DisputeMessage(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=5000)
    internal = models.BooleanField(
        default=False, help_text="A moderator note; parties never see it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "licensing_disputemessage"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message {self.pk} on {self.dispute_id}"


class EvidenceKind(models.TextChoices):
    IMAGE = "image", "Image"
    PDF = "pdf", "PDF"
    LINK = "link", "Link"


class Evidence(models.Model):
    """A file (private default storage, served only through an authorised view) or a link."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(upload_to="evidence/", max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    original_sha256 = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the file as uploaded, before cleaning."
    )
    description = models.CharField(max_length=300, blank=True)
    analysis = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "licensing_evidence"
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="link") & ~models.Q(url=""))
                | (~models.Q(kind="link") & ~models.Q(file="")),
                name="evidence_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} evidence {self.pk}"
