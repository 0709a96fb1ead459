"""Demo accounts and a small catalogue for the embedded run. Idempotent.

The catalogue is rendered by the real pipeline (embedded engine → provenance stamp →
storage → listing → publish), synchronously, so the site has art to browse on first start.
"""

from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand

from generation.services.batch import batch_run
from generation.services.jobs import JobSpec, job_create
from licensing.services.grants import licence_offers_set
from marketplace.models import Listing, User
from marketplace.services.accounts import creator_onboard, user_create
from marketplace.services.listings import listing_create, listing_publish

DEMO_PASSWORD = "demo-art-2026"
# Moderators must use a second factor. The demo moderator's TOTP secret is public like the
# password, so `bin/run` stays usable: add it to an authenticator app, or run
# `manage.py demo_totp` for the current code. Never reuse it outside the demo.
DEMO_MODERATOR_TOTP_SECRET = "PROMPTFOLIODEMOMODERATORSECRETAA"
DEMO_USERS = [
    ("buyer@demo.promptfolio.local", "Demo Buyer", "buyer"),
    ("creator@demo.promptfolio.local", "Aurora Vale", "creator"),
    ("moderator@demo.promptfolio.local", "Demo Moderator", "moderator"),
]
CATALOGUE = [
    (
        "Misty mountains at sunrise",
        "misty mountains at sunrise, oil painting",
        "landscape",
        ["mountains", "sunrise"],
        1500,
    ),
    ("Neon city at night", "neon cyberpunk city at night", "concept_art", ["city", "neon"], 2500),
    ("Calm ocean sunset", "calm ocean at sunset", "landscape", ["ocean", "sunset"], 1200),
    ("Spiral galaxy", "spiral galaxy in deep space", "illustration", ["space", "galaxy"], 1800),
    ("Spring flowers", "flowers in a spring garden", "illustration", ["flowers"], 900),
    ("Bauhaus poster", "geometric bauhaus poster", "abstract", ["geometric", "poster"], 2000),
]
EXCLUSIVE_TITLES = {"Misty mountains at sunrise", "Bauhaus poster"}  # also sold outright


def demo_offers(title: str, price: int) -> dict[str, int]:
    """Every tier a buyer would expect, priced from the standard licence."""
    offers = {"personal": max(price // 2, 50), "standard": price, "extended": price * 4}
    if title in EXCLUSIVE_TITLES:
        offers["exclusive"] = price * 40
    return offers


class Command(BaseCommand):
    help = "Create demo buyer, creator and moderator accounts and a few published listings."

    def handle(self, *args, **options):
        users = {}
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(
                    email=email, password=DEMO_PASSWORD, display_name=name, email_verified=True
                )
                if role == "creator":
                    creator_onboard(
                        user=user,
                        display_name=name,
                        bio="Dreamy landscapes and neon cities, generated and hand-curated.",
                    )
                if role == "moderator":
                    user.is_staff = user.is_superuser = user.is_moderator = True
                    user.save(update_fields=["is_staff", "is_superuser", "is_moderator"])
                    TOTP.activate(user, DEMO_MODERATOR_TOTP_SECRET)
            users[role] = user
            self.stdout.write(f"  {role:<10} {email}  password: {DEMO_PASSWORD}")
        self.stdout.write(
            f"  moderator TOTP secret: {DEMO_MODERATOR_TOTP_SECRET} "
            "(current code: python manage.py demo_totp)"
        )
        if not Listing.objects.filter(creator=users["creator"]).exists():
            self.stdout.write("  rendering the demo catalogue (embedded engine)…")
            for seed, (title, prompt, category, tags, price) in enumerate(CATALOGUE, start=7):
                self._list(users["creator"], seed, title, prompt, category, tags, price)

    def _list(self, creator, seed, title, prompt, category, tags, price) -> None:
        job = job_create(
            owner=creator, spec=JobSpec(prompt=prompt, seed=seed, width=512, height=512)
        )
        batch_run(job_id=str(job.pk), worker="seed_demo")
        listing = listing_create(
            creator=creator,
            pieces=list(job.pieces.all()),
            title=title,
            description=f"{title}: an original AI-generated piece by {creator.public_name}.",
            tags=tags,
            category=category,
            price_amount=price,
        )
        licence_offers_set(listing=listing, actor=creator, offers=demo_offers(title, price))
        listing_publish(listing=listing, actor=creator)
