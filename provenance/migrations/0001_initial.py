"""Provenance models move here from licensing; their tables, the ledger's append-only
triggers and every foreign key stay as they are (state only)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ['provenancerecord', 'phashindex', 'ledgerentry', 'ledgerhead']


def move_content_types(apps, schema_editor):
    """Admin log entries and permissions follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="provenance").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="licensing", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="provenance")


def restore_content_types(apps, schema_editor):
    """The reverse, with the same care: a model that (still) has a licensing row keeps its
    provenance row, as (app_label, model) is unique."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db).filter(app_label="licensing").values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label="provenance", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="licensing")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('licensing', '0008_notification_ref'),
        ('generation', '0003_prompt_reviews'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='LedgerHead',
                    fields=[
                        ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                        ('seq', models.PositiveBigIntegerField(default=0)),
                        ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                    ],
                    options={
                        'db_table': 'licensing_ledgerhead',
                        'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='ledger_head_single')],
                    },
                ),
                migrations.CreateModel(
                    name='LedgerEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.PositiveBigIntegerField(unique=True)),
                        ('kind', models.CharField(choices=[('created', 'Created'), ('listed', 'Listed'), ('licensed', 'Licensed'), ('transferred', 'Transferred'), ('disputed', 'Disputed'), ('revoked', 'Revoked')], max_length=16)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField()),
                        ('prev_hash', models.CharField(max_length=64, unique=True)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ledger_entries', to=settings.AUTH_USER_MODEL)),
                        ('piece', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ledger_entries', to='generation.piece')),
                    ],
                    options={
                        'verbose_name_plural': 'ledger entries',
                        'db_table': 'licensing_ledgerentry',
                        'ordering': ['seq'],
                        'indexes': [models.Index(fields=['piece', 'seq'], name='ledger_piece_seq_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('kind__in', ['created', 'listed', 'licensed', 'transferred', 'disputed', 'revoked'])), name='ledger_kind_valid'), models.CheckConstraint(condition=models.Q(('seq__gte', 1)), name='ledger_seq_positive')],
                    },
                ),
                migrations.CreateModel(
                    name='PhashIndex',
                    fields=[
                        ('piece', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='phash_entry', serialize=False, to='generation.piece')),
                        ('phash', models.BigIntegerField()),
                        ('c0', models.PositiveIntegerField(db_index=True)),
                        ('c1', models.PositiveIntegerField(db_index=True)),
                        ('c2', models.PositiveIntegerField(db_index=True)),
                        ('c3', models.PositiveIntegerField(db_index=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'licensing_phashindex',
                        'constraints': [models.CheckConstraint(condition=models.Q(('c0__lte', 65535), ('c1__lte', 65535), ('c2__lte', 65535), ('c3__lte', 65535)), name='phash_chunks_16bit')],
                    },
                ),
                migrations.CreateModel(
                    name='ProvenanceRecord',
                    fields=[
                        ('piece', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='provenance', serialize=False, to='generation.piece')),
                        ('creator_name', models.CharField(help_text='Public name when it was made.', max_length=120)),
                        ('prompt', models.TextField(max_length=1000)),
                        ('prompt_public', models.BooleanField(default=False)),
                        ('negative_prompt', models.TextField(blank=True, max_length=1000)),
                        ('seed', models.BigIntegerField()),
                        ('width', models.PositiveIntegerField()),
                        ('height', models.PositiveIntegerField()),
                        ('steps', models.PositiveSmallIntegerField()),
                        ('guidance', models.FloatField(blank=True, null=True)),
                        ('style_params_sha256', models.CharField(blank=True, help_text="The style version's recipe hash when it was made.", max_length=64)),
                        ('engine_name', models.CharField(max_length=40)),
                        ('engine_version', models.CharField(max_length=80)),
                        ('engine_weights_hash', models.CharField(blank=True, max_length=128)),
                        ('sha256', models.CharField(db_index=True, help_text='Of the stored original.', max_length=64)),
                        ('output_sha256', models.CharField(help_text="Of the engine's RGB output before marking (for reproduce).", max_length=64)),
                        ('pixel_sha256', models.CharField(help_text='Of the RGB pixels (post-mark).', max_length=64)),
                        ('phash', models.BigIntegerField(help_text='imagehash pHash as a signed 64-bit integer.')),
                        ('watermark_id', models.BigIntegerField(unique=True)),
                        ('c2pa_manifest_id', models.CharField(max_length=200)),
                        ('signer_fingerprint', models.CharField(blank=True, max_length=64)),
                        ('ledger_anchor', models.CharField(help_text='Ledger head when it was signed.', max_length=64)),
                        ('licence_summary', models.CharField(max_length=300)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('creator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='provenance_records', to=settings.AUTH_USER_MODEL)),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='generation.generationjob')),
                        ('rights_holder', models.ForeignKey(blank=True, help_text='Who holds the rights after a dispute transfer (else the creator).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='held_records', to=settings.AUTH_USER_MODEL)),
                        ('style_version', models.ForeignKey(blank=True, help_text="Commissioned in a creator style: `prompt` is the commissioner's text.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='generation.styleversion')),
                    ],
                    options={
                        'db_table': 'licensing_provenancerecord',
                        'ordering': ['-created_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('watermark_id__gte', 0), ('watermark_id__lte', 4294967295)), name='provenance_watermark_32bit'), models.CheckConstraint(condition=models.Q(models.Q(('sha256', ''), _negated=True), models.Q(('c2pa_manifest_id', ''), _negated=True)), name='provenance_hash_and_manifest_set')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
