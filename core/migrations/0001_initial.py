"""Notification moves here from licensing; its table (licensing_notification) stays as it is."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ['notification']


def move_content_types(apps, schema_editor):
    """Admin log entries and permissions follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="core").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="licensing", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="core")


def restore_content_types(apps, schema_editor):
    """The reverse, with the same care: a model that (still) has a licensing row keeps its
    core row, as (app_label, model) is unique."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="licensing").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="core", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="licensing")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('licensing', '0008_notification_ref'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('subject', models.CharField(max_length=200)),
                        ('body', models.TextField(blank=True, max_length=5000)),
                        ('url', models.CharField(blank=True, max_length=300)),
                        ('ref', models.CharField(blank=True, max_length=80)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'licensing_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['user', 'read_at'], name='notification_unread_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
