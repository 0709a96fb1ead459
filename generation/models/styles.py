"""Creator styles: the private recipe (immutable versions) buyers commission in."""

import uuid

from django.conf import settings
from django.db import models

from core.models import StatusHistory


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
    adapter_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="sha256 of the version's LoRA adapters (sorted sha256:scale); '' for none.",
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
        """The recipe as plain JSON (what the hash covers). The adapters enter through their
        key only when there are some, so versions without adapters keep their hash."""
        params = {
            "engine": self.engine,
            "prompt_template": self.prompt_template,
            "negative_prompt": self.negative_prompt,
            "width": self.width,
            "height": self.height,
            "steps": self.steps,
            "guidance": self.guidance,
        }
        if self.adapter_key:
            params["adapter_key"] = self.adapter_key
        return params

    def compose(self, *, prompt: str, negative_prompt: str = "") -> tuple[str, str]:
        """What the engine sees: the buyer's prompt in the slot, both negatives joined."""
        composed = self.prompt_template.replace(PROMPT_SLOT, prompt.strip())
        negatives = [n for n in (self.negative_prompt.strip(), negative_prompt.strip()) if n]
        return composed, ", ".join(negatives)


def adapters_upload_to(adapter: "StyleAdapter", filename: str) -> str:
    return f"styles/adapters/{adapter.style_version.style_id}/{adapter.sha256}.safetensors"


class StyleAdapter(models.Model):
    """A LoRA adapter a style version applies: a validated safetensors file in private
    storage (the worker reads it; buyers never see or download it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    style_version = models.ForeignKey(
        StyleVersion, on_delete=models.PROTECT, related_name="adapters"
    )
    name = models.CharField(max_length=100)
    file = models.FileField(upload_to=adapters_upload_to, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    scale = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["style_version", "sha256"]
        constraints = [
            models.UniqueConstraint(
                fields=["style_version", "sha256"], name="style_adapter_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(scale__gt=0, scale__lte=2), name="style_adapter_scale_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class StyleEvent(StatusHistory):
    """Append-only history of a style: creation, each version, publish, withdraw."""

    history_of = "style"

    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    message = models.CharField(max_length=300, blank=True)
