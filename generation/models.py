"""Generation jobs and the pieces they produce.

The job row is the source of truth: Celery messages only wake workers, and a sweeper
re-queues jobs whose worker lease expired. Every status change is a JobEvent row.
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import StatusHistory

MAX_IMAGES_PER_JOB = 8
MAX_SEED = 2**32 - 1


def previews_storage():
    return storages["previews"]


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class GenerationJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    engine = models.CharField(max_length=40)
    prompt = models.TextField(max_length=1000)
    negative_prompt = models.TextField(max_length=1000, blank=True)
    seed = models.BigIntegerField(validators=[MinValueValidator(0), MaxValueValidator(MAX_SEED)])
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    steps = models.PositiveSmallIntegerField()
    guidance = models.FloatField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_IMAGES_PER_JOB)]
    )
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )
    style_version = models.ForeignKey(
        "generation.StyleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        help_text="Rendered in this creator style: `prompt` fills the style's {prompt} slot.",
    )

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    worker = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    progress_step = models.PositiveSmallIntegerField(default=0)
    progress_total = models.PositiveSmallIntegerField(default=0)
    engine_version = models.CharField(max_length=80, blank=True)
    error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker was last woken for this job."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["status", "engine", "width", "height", "steps", "created_at"],
                name="job_batch_claim_idx",
            ),
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="job_lease_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="job_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(count__gte=1, count__lte=MAX_IMAGES_PER_JOB),
                name="job_count_range",
            ),
            models.CheckConstraint(
                condition=models.Q(seed__gte=0, seed__lte=MAX_SEED), name="job_seed_range"
            ),
            models.CheckConstraint(
                condition=models.Q(progress_step__lte=models.F("progress_total")),
                name="job_progress_bounded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=JobStatus.RUNNING)
                | models.Q(lease_expires_at__isnull=False),
                name="job_running_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prompt[:40]} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def can_cancel(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not self.cancel_requested

    @property
    def can_retry(self) -> bool:
        return self.status in (JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return round(100 * self.progress_step / self.progress_total)

    def image_seed(self, index: int) -> int:
        """Image i of a job uses seed + i, so any single image can be reproduced alone."""
        return (self.seed + index) % (MAX_SEED + 1)


class JobEvent(StatusHistory):
    """Append-only history of a job's status changes (who/what moved it, and why)."""

    history_of = "job"

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    source = models.CharField(max_length=200, help_text="user, worker name or sweeper")
    message = models.TextField(blank=True)


class Piece(models.Model):
    """One generated image: the private original and its public preview."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(GenerationJob, on_delete=models.PROTECT, related_name="pieces")
    index = models.PositiveSmallIntegerField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pieces"
    )
    seed = models.BigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original = models.FileField(upload_to="pieces/", max_length=300)
    preview = models.FileField(upload_to="previews/", storage=previews_storage, max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    picked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="piece_unique_job_index"),
        ]

    def __str__(self) -> str:
        return f"Piece {self.id}"


class StyleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


PROMPT_SLOT = "{prompt}"


class Style(models.Model):
    """A creator's private recipe buyers commission in. The recipe lives in its versions;
    buyers see the title, description, price and sample pieces, never the recipe."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="styles"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    price_amount = models.PositiveIntegerField(help_text="Per commissioned image, minor units.")
    currency = models.CharField(max_length=3, default="USD")
    tier_code = models.CharField(max_length=20, default="standard", help_text="Licence included.")
    status = models.CharField(
        max_length=10, choices=StyleStatus.choices, default=StyleStatus.DRAFT, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=StyleStatus.values), name="style_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(price_amount__gte=50, price_amount__lte=1_000_000),
                name="style_price_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> "StyleVersion | None":
        return self.versions.order_by("-number").first()


class ImmutableStyleVersion(Exception):
    """Raised when code tries to change a published style version."""


class StyleVersion(models.Model):
    """One frozen recipe. Editing a style publishes version + 1; past jobs keep theirs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    engine = models.CharField(max_length=40)
    prompt_template = models.TextField(max_length=1000)
    negative_prompt = models.TextField(max_length=1000, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    steps = models.PositiveSmallIntegerField()
    guidance = models.FloatField(null=True, blank=True)
    params_sha256 = models.CharField(
        max_length=64, help_text="sha256 of the canonical JSON of the recipe."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["style", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["style", "number"], name="style_version_unique"),
            models.CheckConstraint(
                condition=models.Q(prompt_template__contains=PROMPT_SLOT),
                name="style_template_has_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.style_id} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableStyleVersion("Style versions are immutable; publish a new version.")
        super().save(*args, **kwargs)

    def params(self) -> dict:
        """The recipe as plain JSON (what the hash covers)."""
        return {
            "engine": self.engine,
            "prompt_template": self.prompt_template,
            "negative_prompt": self.negative_prompt,
            "width": self.width,
            "height": self.height,
            "steps": self.steps,
            "guidance": self.guidance,
        }

    def compose(self, *, prompt: str, negative_prompt: str = "") -> tuple[str, str]:
        """What the engine sees: the buyer's prompt in the slot, both negatives joined."""
        composed = self.prompt_template.replace(PROMPT_SLOT, prompt.strip())
        negatives = [n for n in (self.negative_prompt.strip(), negative_prompt.strip()) if n]
        return composed, ", ".join(negatives)


class StyleEvent(StatusHistory):
    """Append-only history of a style: creation, each version, publish, withdraw."""

    history_of = "style"

    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    message = models.CharField(max_length=300, blank=True)


# Prompt moderation models live in their own module; importing them here registers them.
from generation.models_prompts import (  # noqa: E402, F401
    PromptAllowance,
    PromptCategory,
    PromptReview,
    PromptReviewEvent,
    PromptReviewStatus,
    PromptSource,
)
