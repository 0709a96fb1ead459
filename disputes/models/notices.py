"""Notice and action (EU DSA Art. 16, 17, 20, 23): notices anyone can send, the statements
of reasons every restriction gets, internal complaints against decisions, and their
history rows."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.models import StatusHistory
from disputes.models.cases import Dispute


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
    LISTING_DISABLED = "listing_disabled", "Listing disabled on a copyright notice"
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
    takedown = models.ForeignKey(
        "disputes.TakedownNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
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
