"""Live GPU workers: each writes a heartbeat row, so the site knows which engines are served.

A worker upserts its row at start and every GENERATION_WORKER_HEARTBEAT_SECONDS; a row
silent for GENERATION_WORKER_STALE_SECONDS (or marked stopped) no longer counts as live.
"""

from django.db import models


class WorkerHeartbeat(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="Celery node name")
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    engines = models.JSONField(default=list, blank=True, help_text="Engines it serves")
    unavailable = models.JSONField(
        default=dict, blank=True, help_text="Engines it could not load: {name: reason}"
    )
    device = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
