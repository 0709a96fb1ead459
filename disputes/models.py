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

from core.models import StatusHistory


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


# --- Notice and action (EU DSA Art. 16, 17, 20, 23) -----------------------------------------


class NoticeCategory(models.TextChoices):
    ILLEGAL_CONTENT = "illegal_content", "Illegal content"
    IP_INFRINGEMENT = "ip_infringement", "Intellectual property infringement"
    PRIVACY = "privacy", "Privacy violation"
    HATE = "hate", "Hate speech or symbols"
    CHILD_SAFETY = "child_safety", "Child safety"
    FRAUD = "fraud", "Fraud or scam"
    OTHER = "other", "Other"


class NoticeTarget(models.TextChoices):
    LISTING = "listing", "Listing"
    STYLE = "style", "Style"
    PIECE = "piece", "Piece"
    STOREFRONT = "storefront", "Storefront"


class NoticeStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Waiting for email confirmation"
    OPEN = "open", "Waiting for a moderator"
    ACTIONED = "actioned", "Action taken"
    NO_ACTION = "no_action", "No action"


class Notice(models.Model):
    """A report from anyone about a listing, style, piece or storefront. An anonymous
    reporter's notice waits unconfirmed until they open the signed link mailed to them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.CharField(max_length=20, choices=NoticeCategory.choices)
    statement = models.TextField(max_length=5000)
    target_kind = models.CharField(max_length=12, choices=NoticeTarget.choices)
    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    style = models.ForeignKey(
        "generation.Style", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    piece = models.ForeignKey(
        "generation.Piece", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices_against",
        help_text="Whose content it is (the storefront's owner for a storefront).",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices_filed",
    )
    reporter_email = models.EmailField(max_length=254)
    status = models.CharField(
        max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.UNCONFIRMED
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(max_length=5000, blank=True)
    manifestly_unfounded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "confirmed_at"], name="notice_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=NoticeStatus.values), name="notice_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=NoticeCategory.values),
                name="notice_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=NoticeStatus.UNCONFIRMED)
                | models.Q(confirmed_at__isnull=False),
                name="notice_processed_only_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} notice {self.pk}"

    @property
    def target(self):
        return self.listing or self.style or self.piece or self.target_user

    @property
    def about(self) -> str:
        if self.listing_id:
            return f"listing “{self.listing.title}”"
        if self.style_id:
            return f"style “{self.style.title}”"
        if self.piece_id:
            return f"piece {self.piece_id}"
        return f"the storefront of {self.target_user.public_name}"


class NoticeEvent(StatusHistory):
    history_of = "notice"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events")
    note = models.TextField(max_length=5000, blank=True)


class RestrictionKind(models.TextChoices):
    LISTING_SUSPENDED = "listing_suspended", "Listing suspended"
    STYLE_WITHDRAWN = "style_withdrawn", "Style withdrawn"
    PIECE_HIDDEN = "piece_hidden", "Piece hidden"
    ACCOUNT_WARNED = "account_warned", "Account warned"
    ACCOUNT_SUSPENDED = "account_suspended", "Account suspended"
    PROMPT_REFUSED = "prompt_refused", "Prompt refused"
    NOTICES_SUSPENDED = "notices_suspended", "Notices no longer processed"


class DecisionGround(models.TextChoices):
    LAW = "law", "Illegal under the law"
    TERMS = "terms", "Against our terms of service"


class StatementOfReasons(models.Model):
    """What was restricted, why, on which ground, whether automated, and how to complain
    (DSA Art. 17). One row per restriction; `reversed_at` is set when a complaint wins."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements_of_reasons",
    )
    email = models.EmailField(max_length=254, help_text="Where it was sent.")
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    restricted = models.CharField(max_length=300, help_text="What was restricted.")
    facts = models.TextField(max_length=5000)
    ground = models.CharField(max_length=5, choices=DecisionGround.choices)
    ground_detail = models.CharField(max_length=300, help_text="The law or terms clause.")
    automated_detection = models.BooleanField(default=False)
    automated_decision = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, null=True, blank=True, related_name="statements"
    )
    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    style = models.ForeignKey(
        "generation.Style", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    piece = models.ForeignKey(
        "generation.Piece", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prompt_review = models.ForeignKey(
        "generation.PromptReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict, blank=True, help_text="What reversing it needs.")
    reversed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RestrictionKind.values), name="statement_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(ground__in=DecisionGround.values),
                name="statement_ground_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.restricted}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:statement_detail", kwargs={"statement_id": self.pk})


class ComplaintStatus(models.TextChoices):
    OPEN = "open", "Waiting for a moderator"
    UPHELD = "upheld", "Upheld: the decision was reversed"
    REJECTED = "rejected", "Rejected: the decision stands"


class Complaint(models.Model):
    """An internal complaint (DSA Art. 20) against one decision: a restriction (by the
    affected user) or a "no action" on a notice (by its reporter). One per decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    statement = models.OneToOneField(
        StatementOfReasons,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint",
    )
    notice = models.OneToOneField(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="complaint"
    )
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    complainant_email = models.EmailField(max_length=254)
    reason = models.TextField(max_length=5000)
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    original_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_original_decider = models.BooleanField(
        default=False, help_text="No other active moderator existed when it was decided."
    )
    decision_note = models.TextField(max_length=5000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(statement__isnull=False, notice__isnull=True)
                | models.Q(statement__isnull=True, notice__isnull=False),
                name="complaint_about_one_decision",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ComplaintStatus.values),
                name="complaint_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Complaint {self.pk}"

    @property
    def decision_label(self) -> str:
        if self.statement_id:
            return str(self.statement)
        return f"No action on notice about {self.notice.about}"


class ComplaintEvent(StatusHistory):
    history_of = "complaint"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    note = models.TextField(max_length=5000, blank=True)


from disputes.models_takedowns import *  # noqa: E402, F401, F403  (discoverable models)
