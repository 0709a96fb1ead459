"""Personal access tokens and idempotency records: the API's own rows."""

import uuid

from django.conf import settings
from django.db import models

SCOPE_READ = "read"
SCOPE_GENERATE = "generate"
SCOPE_CHOICES = [
    (SCOPE_READ, "Read: your jobs, pieces, licences and the public catalogue"),
    (SCOPE_GENERATE, "Generate: create, cancel and retry jobs (uses your GPU allowance)"),
]


class ApiToken(models.Model):
    """A personal access token. Only a SHA-256 of the secret is kept (the secret is 32
    random bytes, so a slow hash would add nothing); `prefix` is the part shown in lists so
    the owner can tell tokens apart, and the part a request is looked up by."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """What a POST with an `Idempotency-Key` answered, so the same key replays the same
    answer and a different body under that key is refused. Written before the operation
    runs (status `started`), so two concurrent requests with one key cannot both run it."""

    class Status(models.TextChoices):
        STARTED = "started", "Started"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=200, help_text="method and path")
    request_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.STARTED)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation} [{self.key}]"
