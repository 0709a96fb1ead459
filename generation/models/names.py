"""Protected names: people the prompt policy guards by name, kept by operators in the admin.

A real person's name is refused next to sexual or defamatory terms; an artist's name is
refused outright (the artist asked not to be imitated, e.g. after a claim), everywhere or
only in one style. Removing a name deactivates it: the row and its history stay.
"""

from django.db import models

from core.models import StatusHistory
from generation.models.styles import Style

MAX_NAME = 120


class ProtectedNameKind(models.TextChoices):
    REAL_PERSON = "real_person", "Real person"
    ARTIST = "artist", "Artist"


class ProtectedName(models.Model):
    name = models.CharField(max_length=MAX_NAME, help_text="As people write it.")
    normalised = models.CharField(
        max_length=MAX_NAME * 2, editable=False, help_text="As the prompt policy matches it."
    )
    kind = models.CharField(max_length=12, choices=ProtectedNameKind.choices)
    style = models.ForeignKey(
        Style,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="protected_names",
        help_text="Blocked only in prompts in this style; empty: blocked everywhere.",
    )
    note = models.CharField(max_length=500, blank=True, help_text="Why (a claim, a request).")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["normalised", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["normalised"],
                condition=models.Q(style__isnull=True),
                name="protected_name_unique_global",
            ),
            models.UniqueConstraint(
                fields=["normalised", "style"],
                condition=models.Q(style__isnull=False),
                name="protected_name_unique_in_style",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ProtectedNameKind.values),
                name="protected_name_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(normalised=""), name="protected_name_has_letters"
            ),
        ]

    def __str__(self) -> str:
        scope = f" in {self.style}" if self.style_id else ""
        return f"{self.name} ({self.get_kind_display().lower()}{scope})"


class ProtectedNameEvent(StatusHistory):
    """Append-only history of a protected name: added, removed, added again."""

    history_of = "protected_name"

    protected_name = models.ForeignKey(
        ProtectedName, on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.CharField(max_length=500, blank=True)
