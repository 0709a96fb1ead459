"""Dispute models move here from licensing; their tables and foreign keys stay as they are
(state only)."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


MOVED = ['dispute', 'disputeevent', 'disputemessage', 'evidence']


def move_content_types(apps, schema_editor):
    """Admin log entries and permissions follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="disputes").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="licensing", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="disputes")


def restore_content_types(apps, schema_editor):
    """The reverse, with the same care: a model that (still) has a licensing row keeps its
    disputes row, as (app_label, model) is unique."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="licensing").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="disputes", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="licensing")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('commissions', '0002_refunded_status'),
        ('licensing', '0008_notification_ref'),
        ('marketplace', '0002_listings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Dispute',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('infringement', 'Infringement: this is my work'), ('licence_breach', 'Licence breach by a licensee'), ('non_delivery', 'Non-delivery or wrong file'), ('false_disclosure', 'AI disclosure or provenance is false'), ('other', 'Other (report this listing)')], max_length=20)),
                        ('status', models.CharField(choices=[('open', 'Open'), ('under_review', 'Under review'), ('awaiting_response', 'Awaiting response'), ('decided', 'Decided'), ('appealed', 'Appealed'), ('closed', 'Closed')], default='open', max_length=20)),
                        ('outcome', models.CharField(blank=True, choices=[('upheld', 'Upheld'), ('rejected', 'Rejected'), ('partially_upheld', 'Partially upheld')], max_length=20)),
                        ('target_key', models.CharField(editable=False, max_length=60)),
                        ('statement', models.TextField(max_length=5000)),
                        ('respondent_deadline', models.DateTimeField(blank=True, null=True)),
                        ('reminded_at', models.DateTimeField(blank=True, null=True)),
                        ('decision', models.TextField(blank=True, max_length=5000)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('appealed_at', models.DateTimeField(blank=True, null=True)),
                        ('appeal_reason', models.TextField(blank=True, max_length=5000)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('claimant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disputes_filed', to=settings.AUTH_USER_MODEL)),
                        ('commission', models.ForeignKey(blank=True, help_text="A brief commission's delivery (its creator responds; auto-accept pauses).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='disputes', to='commissions.commission')),
                        ('grant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='disputes', to='licensing.licencegrant')),
                        ('listing', models.ForeignKey(blank=True, help_text='Empty for a commission dispute.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='disputes', to='marketplace.listing')),
                        ('moderator', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='disputes_assigned', to=settings.AUTH_USER_MODEL)),
                        ('respondent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disputes_against', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'licensing_dispute',
                        'ordering': ['created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='DisputeEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=40)),
                        ('from_status', models.CharField(blank=True, max_length=20)),
                        ('to_status', models.CharField(blank=True, max_length=20)),
                        ('note', models.TextField(blank=True, max_length=5000)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('internal', models.BooleanField(default=False, help_text='Visible to moderators only.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dispute', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='disputes.dispute')),
                    ],
                    options={
                        'db_table': 'licensing_disputeevent',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='DisputeMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('body', models.TextField(max_length=5000)),
                        ('internal', models.BooleanField(default=False, help_text='A moderator note; parties never see it.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dispute', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='disputes.dispute')),
                    ],
                    options={
                        'db_table': 'licensing_disputemessage',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Evidence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('image', 'Image'), ('pdf', 'PDF'), ('link', 'Link')], max_length=10)),
                        ('file', models.FileField(blank=True, max_length=300, upload_to='evidence/')),
                        ('url', models.URLField(blank=True, max_length=2000)),
                        ('original_name', models.CharField(blank=True, max_length=200)),
                        ('content_type', models.CharField(blank=True, max_length=60)),
                        ('size', models.PositiveIntegerField(default=0)),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('description', models.CharField(blank=True, max_length=300)),
                        ('analysis', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('dispute', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='disputes.dispute')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'evidence',
                        'db_table': 'licensing_evidence',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='dispute',
                    index=models.Index(fields=['status', 'created_at'], name='dispute_queue_idx'),
                ),
                migrations.AddConstraint(
                    model_name='dispute',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'under_review', 'awaiting_response', 'decided', 'appealed', 'closed'])), name='dispute_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='dispute',
                    constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['infringement', 'licence_breach', 'non_delivery', 'false_disclosure', 'other'])), name='dispute_kind_valid'),
                ),
                migrations.AddConstraint(
                    model_name='dispute',
                    constraint=models.CheckConstraint(condition=models.Q(('claimant', models.F('respondent')), _negated=True), name='dispute_not_against_self'),
                ),
                migrations.AddConstraint(
                    model_name='dispute',
                    constraint=models.CheckConstraint(condition=models.Q(('outcome', ''), models.Q(('decided_at__isnull', False), ('outcome__in', ['upheld', 'rejected', 'partially_upheld'])), _connector='OR'), name='dispute_outcome_has_date'),
                ),
                migrations.AddConstraint(
                    model_name='dispute',
                    constraint=models.CheckConstraint(condition=models.Q(('listing__isnull', False), ('commission__isnull', False), _connector='OR'), name='dispute_about_listing_or_commission'),
                ),
                migrations.AddConstraint(
                    model_name='dispute',
                    constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['open', 'under_review', 'awaiting_response', 'appealed'])), fields=('claimant', 'target_key'), name='dispute_one_active_per_claimant_target'),
                ),
                migrations.AddConstraint(
                    model_name='evidence',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'link'), models.Q(('url', ''), _negated=True)), models.Q(models.Q(('kind', 'link'), _negated=True), models.Q(('file', ''), _negated=True)), _connector='OR'), name='evidence_file_or_link'),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
