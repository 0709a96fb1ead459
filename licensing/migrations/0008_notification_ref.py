"""A notification names what it is about in `ref` ("dispute:<uuid>") instead of a foreign key
to the dispute, so the Notification model can live in core (below disputes) without losing
the link. Copies every existing link, then drops the column."""

from django.db import migrations, models


def copy_dispute_links(apps, schema_editor):
    Notification = apps.get_model("licensing", "Notification")
    db = schema_editor.connection.alias
    rows = Notification.objects.using(db).filter(dispute__isnull=False).only("id", "dispute_id")
    for row in rows.iterator():
        Notification.objects.using(db).filter(pk=row.pk).update(ref=f"dispute:{row.dispute_id}")


def restore_dispute_links(apps, schema_editor):
    Notification = apps.get_model("licensing", "Notification")
    db = schema_editor.connection.alias
    for row in Notification.objects.using(db).filter(ref__startswith="dispute:").iterator():
        Notification.objects.using(db).filter(pk=row.pk).update(dispute_id=row.ref[8:])


class Migration(migrations.Migration):
    dependencies = [("licensing", "0007_dispute_commission")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="ref",
            field=models.CharField(blank=True, default="", max_length=80),
            preserve_default=False,
        ),
        migrations.RunPython(copy_dispute_links, restore_dispute_links),
        migrations.RemoveField(model_name="notification", name="dispute"),
    ]
