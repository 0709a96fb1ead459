"""Hostile webhook deliveries: replayed, forged, stale and tampered events.

Drives the real endpoint (Django test client → signature check → store once → process)
against a throwaway database and counts grants. Expected: exactly one grant for the one
genuine payment, none for anything forged. Prints JSON and a table.

    python bench/webhooks.py --deliveries 1000
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="promptfolio-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=1000)
    args = parser.parse_args()

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from tests.payments.conftest import WEBHOOK_SECRET

    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ALLOWED_HOSTS = ["testserver"]
    from config.celery import app

    app.conf.task_always_eager = True

    from django.test import Client

    from licensing.models import LicenceGrant
    from payments.models import WebhookEvent
    from tests.factories import UserFactory
    from tests.marketplace.factories import make_listing
    from tests.payments.factories import make_order
    from tests.payments.storm import KINDS, hostile_deliveries

    creator = UserFactory(creator=True)
    buyer = UserFactory()
    genuine = make_order(buyer=buyer, listing=make_listing(creator, publish=True))
    victims = [
        make_order(buyer=UserFactory(), listing=make_listing(creator, publish=True, title=f"L{i}"))
        for i in range(8)
    ]
    client = Client()
    started = time.perf_counter()
    statuses = hostile_deliveries(
        client, genuine=genuine, victims=victims, deliveries=args.deliveries
    )
    elapsed = time.perf_counter() - started
    grants = LicenceGrant.objects.count()
    forged_grants = LicenceGrant.objects.exclude(order_line__order=genuine).count()
    result = {
        "bench": "webhooks",
        "deliveries": args.deliveries,
        "by_kind": {
            k: {"sent": sum(statuses[k].values()), "http": dict(statuses[k])} for k in KINDS
        },
        "stored_events": WebhookEvent.objects.count(),
        "grants_for_genuine_order": LicenceGrant.objects.filter(order_line__order=genuine).count(),
        "double_grants": max(0, grants - forged_grants - 1),
        "forged_grants": forged_grants,
        "deliveries_per_s": round(args.deliveries / elapsed, 1),
    }
    print(json.dumps(result, indent=2))
    print(f"\n{'kind':<10} {'sent':>6}  http status counts")
    for k in KINDS:
        print(f"{k:<10} {sum(statuses[k].values()):>6}  {dict(statuses[k])}")
    print(
        f"\ngrants for the genuine order: {result['grants_for_genuine_order']}, "
        f"double grants: {result['double_grants']}, forged grants: {result['forged_grants']}"
    )


if __name__ == "__main__":
    main()
