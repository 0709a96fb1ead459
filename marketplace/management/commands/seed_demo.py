"""Demo accounts for the embedded run. Idempotent: running it twice changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace.models import User
from marketplace.services.accounts import creator_onboard, user_create

DEMO_PASSWORD = "demo-art-2026"
DEMO_USERS = [
    ("buyer@demo.promptfolio.local", "Demo Buyer", "buyer"),
    ("creator@demo.promptfolio.local", "Aurora Vale", "creator"),
    ("moderator@demo.promptfolio.local", "Demo Moderator", "moderator"),
]


class Command(BaseCommand):
    help = "Create demo buyer, creator and moderator accounts (password printed)."

    @transaction.atomic
    def handle(self, *args, **options):
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=DEMO_PASSWORD, display_name=name)
                if role == "creator":
                    creator_onboard(
                        user=user,
                        display_name=name,
                        bio="Dreamy landscapes and neon cities, generated and hand-curated.",
                    )
                if role == "moderator":
                    user.is_staff = user.is_superuser = user.is_moderator = True
                    user.save(update_fields=["is_staff", "is_superuser", "is_moderator"])
            self.stdout.write(f"  {role:<10} {email}  password: {DEMO_PASSWORD}")
