"""Follows (of a creator or a style), and favourite counts without self-favourites.

From now on a creator favouriting their own listing does not move its favourite_count (the
"popular" ordering); the counts already stored are recomputed the same way. Reversing keeps
the recomputed counts (they are the truer ones).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def recount_favourites(apps, schema_editor):
    Listing = apps.get_model("marketplace", "Listing")
    Favourite = apps.get_model("marketplace", "Favourite")
    others = (
        Favourite.objects.filter(listing=OuterRef("pk"))
        .exclude(user=OuterRef("creator"))
        .order_by()
        .values("listing")
        .annotate(total=Count("pk"))
        .values("total")
    )
    Listing.objects.update(favourite_count=Coalesce(Subquery(others), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0010_piece_hidden_at"),
        ("marketplace", "0004_collections"),
    ]

    operations = [
        migrations.CreateModel(
            name="Follow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "creator",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="followers",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "follower",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follows",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "style",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="followers",
                        to="generation.style",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("creator__isnull", False), ("style__isnull", True)),
                            models.Q(("creator__isnull", True), ("style__isnull", False)),
                            _connector="OR",
                        ),
                        name="follow_one_target",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("follower", models.F("creator")), _negated=True),
                        name="follow_not_self",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("creator__isnull", False)),
                        fields=("follower", "creator"),
                        name="follow_creator_once",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("style__isnull", False)),
                        fields=("follower", "style"),
                        name="follow_style_once",
                    ),
                ],
            },
        ),
        migrations.RunPython(recount_favourites, migrations.RunPython.noop),
    ]
