"""Database queries per page, at two catalogue sizes: a list page whose count grows with the
data has an N+1. Not a timing benchmark: the counts are exact and machine-independent.

Seeds a throwaway database through the real services (published listings, jobs, licences
with certificates, orders, a public collection of every listing), requests each page once
with the Django test client (page cache off, so every request renders) and counts queries
with `CaptureQueriesContext`. Prints JSON and a table.

    python bench/queries.py --sizes 3,20
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="promptfolio-bench-queries-")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
for name in ("DATABASE_URL", "CELERY_BROKER_URL", "S3_ENDPOINT_URL", "CACHE_URL"):
    os.environ.pop(name, None)


def seed(size: int, world: dict) -> None:
    """Grow the catalogue to `size` of everything (idempotent across calls)."""
    from licensing.services.grants import licence_grant_issue
    from marketplace.services.collections import collection_add_listing
    from payments.models import OrderStatus
    from tests.generation.factories import GenerationJobFactory
    from tests.licensing.licences import paid_line
    from tests.marketplace.factories import make_listing

    creator, buyer = world["creator"], world["buyer"]
    while len(world["listings"]) < size:
        i = len(world["listings"])
        listing = make_listing(creator, publish=True, title=f"Bench listing {i}")
        world["listings"].append(listing)
        GenerationJobFactory(owner=buyer, prompt=f"bench job {i}")
        line = paid_line(listing=listing, buyer=buyer, amount=1500)
        licence_grant_issue(order_line=line, licensee=buyer)
        assert line.order.status == OrderStatus.PAID
        collection_add_listing(collection=world["collection"], actor=buyer, listing=listing)


def pages(world: dict) -> dict[str, tuple[str, object]]:
    from django.urls import reverse

    listing, creator, buyer = world["listings"][0], world["creator"], world["buyer"]
    collection = world["collection"]
    return {
        "home (anonymous)": (reverse("home"), None),
        "home feed (following)": (reverse("home"), world["follower"]),
        "browse (anonymous)": (reverse("listing_browse"), None),
        "browse, signed in": (reverse("listing_browse"), buyer),
        "search": (reverse("listing_browse") + "?q=bench", None),
        "listing detail": (reverse("listing_detail", args=[listing.pk]), buyer),
        "storefront": (reverse("storefront", args=[creator.pk]), None),
        "my jobs": (reverse("job_list"), buyer),
        "library": (reverse("licensing:library"), buyer),
        "orders": (reverse("order_list"), buyer),
        "creator dashboard": (reverse("commissions:dashboard"), creator),
        "collection (anonymous)": (reverse("collection_detail", args=[collection.pk]), None),
        "collection, owner": (reverse("collection_detail", args=[collection.pk]), buyer),
        "my collections": (reverse("collections_mine"), buyer),
    }


def count(url: str, user) -> tuple[int, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if user is not None:
        client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="3,20", help="catalogue sizes to compare")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    settings.PAGE_CACHE_SECONDS = 0
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.COLLECTION_RATE_LIMIT_PER_USER = 10**9  # seeding adds every listing
    from config.celery import app
    from marketplace import tasks
    from marketplace.services.collections import collection_create
    from marketplace.services.follows import creator_follow
    from tests.factories import UserFactory

    app.conf.task_always_eager = True
    tasks.listing_embed.delay = lambda *args, **kwargs: None  # no MiniLM: counts only
    buyer = UserFactory()
    world = {
        "creator": UserFactory(creator=True),
        "buyer": buyer,
        "listings": [],
        # A public collection of every listing, its buyer's licences and all.
        "collection": collection_create(owner=buyer, title="Bench picks", is_public=True),
    }
    world["follower"] = UserFactory()
    creator_follow(follower=world["follower"], creator=world["creator"])
    rows: dict[str, dict] = {}
    for size in sizes:
        seed(size, world)
        for name, (url, user) in pages(world).items():
            status, queries = count(url, user)
            row = rows.setdefault(name, {"page": name, "url": url, "status": status})
            row[f"queries_at_{size}"] = queries
    results = list(rows.values())
    for row in results:
        counts = [row[f"queries_at_{size}"] for size in sizes]
        row["constant"] = len(set(counts)) == 1
    print(json.dumps({"bench": "queries", "sizes": sizes, "results": results}, indent=2))
    print()
    header = f"{'page':<22}{'status':>7}" + "".join(f"{f'n={size}':>8}" for size in sizes)
    header += "  constant"
    print(header)
    for row in results:
        counts = "".join(f"{row[f'queries_at_{size}']:>8}" for size in sizes)
        print(f"{row['page']:<22}{row['status']:>7}{counts}  {row['constant']}")
    return results


if __name__ == "__main__":
    main()
