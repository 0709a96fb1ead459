"""Provenance, disputes and notifications moved to their own apps (provenance, disputes, core)
with their tables unchanged: this only removes them from licensing's migration state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0008_notification_ref"),
        ("core", "0001_initial"),
        ("provenance", "0001_initial"),
        ("disputes", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.RemoveField(
                model_name='dispute',
                name='claimant',
            ),
            migrations.RemoveField(
                model_name='dispute',
                name='commission',
            ),
            migrations.RemoveField(
                model_name='dispute',
                name='grant',
            ),
            migrations.RemoveField(
                model_name='dispute',
                name='listing',
            ),
            migrations.RemoveField(
                model_name='dispute',
                name='moderator',
            ),
            migrations.RemoveField(
                model_name='dispute',
                name='respondent',
            ),
            migrations.RemoveField(
                model_name='evidence',
                name='dispute',
            ),
            migrations.RemoveField(
                model_name='disputemessage',
                name='dispute',
            ),
            migrations.RemoveField(
                model_name='disputeevent',
                name='dispute',
            ),
            migrations.RemoveField(
                model_name='disputeevent',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='disputemessage',
                name='author',
            ),
            migrations.RemoveField(
                model_name='evidence',
                name='uploaded_by',
            ),
            migrations.RemoveField(
                model_name='ledgerentry',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='ledgerentry',
                name='piece',
            ),
            migrations.DeleteModel(
                name='LedgerHead',
            ),
            migrations.RemoveField(
                model_name='notification',
                name='user',
            ),
            migrations.RemoveField(
                model_name='phashindex',
                name='owner',
            ),
            migrations.RemoveField(
                model_name='phashindex',
                name='piece',
            ),
            migrations.RemoveField(
                model_name='provenancerecord',
                name='creator',
            ),
            migrations.RemoveField(
                model_name='provenancerecord',
                name='job',
            ),
            migrations.RemoveField(
                model_name='provenancerecord',
                name='piece',
            ),
            migrations.RemoveField(
                model_name='provenancerecord',
                name='rights_holder',
            ),
            migrations.RemoveField(
                model_name='provenancerecord',
                name='style_version',
            ),
            migrations.DeleteModel(
                name='Dispute',
            ),
            migrations.DeleteModel(
                name='DisputeEvent',
            ),
            migrations.DeleteModel(
                name='DisputeMessage',
            ),
            migrations.DeleteModel(
                name='Evidence',
            ),
            migrations.DeleteModel(
                name='LedgerEntry',
            ),
            migrations.DeleteModel(
                name='Notification',
            ),
            migrations.DeleteModel(
                name='PhashIndex',
            ),
            migrations.DeleteModel(
                name='ProvenanceRecord',
            ),
    
            ],
        ),
    ]
