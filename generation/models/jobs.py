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
EDIT_KIND_CHOICES = [
    ("variation", "Variation"),
    ("image", "Image to image"),
    ("inpaint", "Inpaint"),
    ("upscale", "Upscale"),
]


def previews_storage():
    return storages["previews"]


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def percent_done(*, step: int, total: int) -> int:
    return round(100 * step / total) if total else 0


def progress_label(*, step: int, total: int) -> str:
    return f"Step {step} of {total}"


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
    adapter_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="The style version's adapter key: jobs share a batch only with equal keys.",
    )
    priority = models.SmallIntegerField(
        default=0,
        help_text="Higher renders first (a paid commission); within one priority, owners "
        "take turns image by image (generation/selectors/queue.py).",
    )
    edit_kind = models.CharField(
        max_length=16,
        choices=EDIT_KIND_CHOICES,
        blank=True,
        help_text="Empty: made from text. Otherwise an edit of `parent_piece` and/or of "
        "`source_upload`.",
    )
    parent_piece = models.ForeignKey(
        "generation.Piece",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_jobs",
    )
    strength = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="How far a variation, image-to-image or inpaint moves from the parent.",
    )
    upscale_factor = models.PositiveSmallIntegerField(null=True, blank=True)
    mask = models.FileField(
        upload_to="masks/", max_length=300, blank=True, help_text="Inpaint: 255 = repaint."
    )
    mask_sha256 = models.CharField(max_length=64, blank=True)
    source_upload = models.FileField(
        upload_to="uploads/",
        max_length=300,
        blank=True,
        help_text="Image-to-image from an upload: the uploaded file as received (private).",
    )
    source_sha256 = models.CharField(max_length=64, blank=True)

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
            models.Index(fields=["owner", "engine", "started_at"], name="job_owner_started_idx"),
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
            models.CheckConstraint(
                condition=models.Q(edit_kind="", parent_piece__isnull=True, source_upload="")
                | (
                    ~models.Q(edit_kind="")
                    & (models.Q(parent_piece__isnull=False) | ~models.Q(source_upload=""))
                ),
                name="job_edit_has_source",
            ),
            models.CheckConstraint(
                condition=models.Q(source_upload="") | models.Q(edit_kind="image"),
                name="job_upload_is_image_to_image",
            ),
            models.CheckConstraint(
                condition=models.Q(strength__isnull=True)
                | models.Q(strength__gte=0.0, strength__lte=1.0),
                name="job_strength_range",
            ),
            models.CheckConstraint(
                condition=models.Q(upscale_factor__isnull=True)
                | models.Q(upscale_factor__in=(2, 4)),
                name="job_upscale_factor_valid",
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
    def progress_label(self) -> str:
        return progress_label(step=self.progress_step, total=self.progress_total)

    @property
    def progress_percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return percent_done(step=self.progress_step, total=self.progress_total)

    @property
    def is_edit(self) -> bool:
        return bool(self.edit_kind)

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
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
        help_text="The piece this one was edited from (its job's parent piece).",
    )
    original = models.FileField(upload_to="pieces/", max_length=300)
    preview = models.FileField(upload_to="previews/", storage=previews_storage, max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    picked_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Hidden from public pages by a moderation decision; its owner still sees "
        "it and its provenance record stays verifiable.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="piece_unique_job_index"),
        ]

    def __str__(self) -> str:
        return f"Piece {self.id}"
