"""Give every existing account a primary, verified allauth EmailAddress.

Accounts created before django-allauth signed up when there was no email verification;
with ACCOUNT_EMAIL_VERIFICATION="mandatory" a missing or unverified address would stop
them signing in. Their passwords are untouched (same hashers), so they keep working.
New signups get an unverified address and a verification mail instead.
"""

from django.db import migrations


def add_addresses(apps, schema_editor):
    User = apps.get_model("marketplace", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=pk, email=email.lower(), primary=True, verified=True)
        for pk, email in User.objects.values_list("pk", "email").iterator()
        if pk not in known
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_listings"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(add_addresses, migrations.RunPython.noop)]
