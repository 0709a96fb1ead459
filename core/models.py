"""Abstract model bases the apps share (core itself has no tables)."""

from django.conf import settings
from django.db import models


class StatusHistory(models.Model):
    """One append-only row per state change of a subject (a job, order, listing…): who moved
    it from which status to which, and when. A subclass adds the foreign key to its subject
    (named in `history_of`) and its own detail fields, and may narrow the status lengths."""

    history_of = ""  # the subject's foreign key, e.g. "job"

    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        subject_id = getattr(self, f"{self.history_of}_id")
        return f"{subject_id}: {self.from_status or '∅'} → {self.to_status}"
