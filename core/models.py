"""What every app shares: the status-history base, in-app notifications and the choices
of which notifications a person gets."""

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


class Notification(models.Model):
    """In-app notice (an email may go out too, core.services.notifications); read_at set
    when the user opens the list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=5000, blank=True)
    url = models.CharField(max_length=300, blank=True)
    # What the notice is about, e.g. "dispute:<uuid>", so a notice can be traced to its case
    # without core knowing the apps above it.
    ref = models.CharField(max_length=80, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        db_table = "licensing_notification"  # created by licensing; kept so no row moves
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(models.Model):
    """A person's choice for one kind of notification (core.notifications). No row means
    the kind's defaults; required kinds ignore it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    in_app = models.BooleanField()
    email = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: in-app {self.in_app}, email {self.email}"
