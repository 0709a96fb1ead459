"""Events keep the body exactly as signed, a status, an attempt count and a history."""

import json

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def carry_payloads(apps, schema_editor):
    """Rows stored before this migration keep their parsed payload, written back as JSON."""
    WebhookEvent = apps.get_model("payments", "WebhookEvent")
    for event in WebhookEvent.objects.all().iterator():
        event.raw_payload = json.dumps(event.payload)
        event.status = "processed" if event.processed_at else "received"
        event.save(update_fields=["raw_payload", "status"])


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_automatic_refund_owed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookevent",
            name="raw_payload",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="status",
            field=models.CharField(
                choices=[
                    ("received", "Received, not yet processed"),
                    ("processed", "Processed"),
                    ("ignored", "Kept: not a type we handle"),
                    ("refused", "Refused: did not match its order"),
                    ("failed", "Failed: not retried until a moderator asks"),
                ],
                db_index=True,
                default="received",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="webhookevent",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="webhookevent",
            name="error",
            field=models.TextField(
                blank=True, help_text="Why the last attempt failed or was refused."
            ),
        ),
        migrations.RunPython(carry_payloads, migrations.RunPython.noop),
        migrations.RemoveField(model_name="webhookevent", name="payload"),
        migrations.AddConstraint(
            model_name="webhookevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["received", "processed", "ignored", "refused", "failed"])
                ),
                name="webhook_event_status_valid",
            ),
        ),
        migrations.CreateModel(
            name="WebhookEventHistory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("from_status", models.CharField(blank=True, max_length=10)),
                ("to_status", models.CharField(max_length=10)),
                ("source", models.CharField(help_text="worker, sweeper, admin", max_length=100)),
                ("message", models.TextField(blank=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "webhook_event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="history",
                        to="payments.webhookevent",
                    ),
                ),
            ],
            options={"ordering": ["created_at", "id"], "abstract": False},
        ),
    ]
