"""Prompt moderation: prompts the policy rejected, their appeals and moderators' decisions.

A rejected prompt never becomes a job; it becomes a PromptReview (one per user and exact
text) with a PromptReviewEvent for every state change:

    rejected → appealed → upheld | overturned      (a moderator may also decide straight away)

Overturning writes a PromptAllowance keyed by user + sha256 of the exact text, which the
policy honours from then on.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.models import StatusHistory

MAX_REVIEW_TEXT = 5000


class PromptSource(models.TextChoices):
    COMMISSION = "commission", "Commission"
    STYLE = "style", "Style recipe"
    STYLE_COMMISSION = "style_commission", "Commission in a style"
    BRIEF = "brief", "Brief to a creator"


class PromptCategory(models.TextChoices):
    MINORS = "minors_sexual", "Sexual content involving minors"
    SEXUAL_VIOLENCE = "sexual_violence", "Sexual violence"
    GORE = "graphic_gore", "Graphic gore"
    HATE = "hate_symbols", "Hate or extremist symbols"
    PRIVATE_LIKENESS = "private_likeness", "Likeness of a real private person"
    REAL_PERSON = "real_person", "Sexual or defamatory imagery of a real person"
    PROTECTED_ARTIST = "protected_artist", "A protected artist's name"
    PROVENANCE = "provenance_tampering", "Removing watermarks or faking an artist's signature"
    OTHER = "other", "Other (operator policy)"


class PromptReviewStatus(models.TextChoices):
    REJECTED = "rejected", "Rejected"
    APPEALED = "appealed", "Appealed"
    UPHELD = "upheld", "Rejection upheld"
    OVERTURNED = "overturned", "Overturned (allowed)"


DECIDABLE_STATUSES = (PromptReviewStatus.REJECTED, PromptReviewStatus.APPEALED)
DECIDED_STATUSES = (PromptReviewStatus.UPHELD, PromptReviewStatus.OVERTURNED)


class PromptReview(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_reviews"
    )
    source = models.CharField(max_length=20, choices=PromptSource.choices)
    prompt = models.TextField(max_length=MAX_REVIEW_TEXT)
    negative_prompt = models.TextField(max_length=MAX_REVIEW_TEXT, blank=True)
    prompt_sha256 = models.CharField(
        max_length=64, help_text="sha256 of the exact prompt and negative prompt."
    )
    category = models.CharField(max_length=30, choices=PromptCategory.choices)
    rule_id = models.CharField(max_length=80, help_text="The policy rule that matched.")
    matched_text = models.CharField(max_length=200, help_text="What it matched (normalised).")
    status = models.CharField(
        max_length=12,
        choices=PromptReviewStatus.choices,
        default=PromptReviewStatus.REJECTED,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(default=1, help_text="Times this text was refused.")
    appeal_statement = models.TextField(max_length=2000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(max_length=2000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="prompt_review_queue_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "prompt_sha256"], name="prompt_review_one_per_text"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PromptReviewStatus.values),
                name="prompt_review_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=PromptCategory.values),
                name="prompt_review_category_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(appealed_at__isnull=True, appeal_statement="")
                | (models.Q(appealed_at__isnull=False) & ~models.Q(appeal_statement="")),
                name="prompt_review_appeal_has_statement",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DECIDED_STATUSES, decided_at__isnull=False)
                | (~models.Q(status__in=DECIDED_STATUSES) & models.Q(decided_at__isnull=True)),
                name="prompt_review_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.prompt[:40]} ({self.status})"

    def get_absolute_url(self) -> str:
        """The author's page (moderators use moderation_prompt_review)."""
        return reverse("prompt_review_detail", kwargs={"review_id": self.pk})

    @property
    def can_appeal(self) -> bool:
        return self.status == PromptReviewStatus.REJECTED and self.appealed_at is None

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED_STATUSES


class PromptReviewEvent(StatusHistory):
    """Append-only history (the audit log) of a review: rejected, appealed, decided."""

    history_of = "review"

    review = models.ForeignKey(PromptReview, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(max_length=2000, blank=True)


class PromptAllowance(models.Model):
    """A moderator overturned a rejection: this user may run this exact text."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_allowances"
    )
    prompt_sha256 = models.CharField(max_length=64)
    review = models.OneToOneField(PromptReview, on_delete=models.CASCADE, related_name="allowance")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "prompt_sha256"], name="prompt_allowance_one_per_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.prompt_sha256[:12]}"
