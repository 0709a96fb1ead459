"""Hostile Stripe deliveries against the real webhook endpoint, shared by the fault test and
bench/webhooks.py: replays of one genuine event, events forged with another secret, stale
signatures (> 300 s old) and genuinely signed bodies tampered to point at other orders."""

import json
import time
from collections import Counter

from tests.payments.conftest import post_event, session_completed, sign

KINDS = ("replayed", "forged", "stale", "tampered")


def hostile_deliveries(client, *, genuine, victims: list, deliveries: int) -> dict[str, Counter]:
    """Send `deliveries` events round-robin over KINDS; HTTP status counts per kind."""
    genuine_event = session_completed(genuine, event_id="evt_genuine")
    statuses: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    for i in range(deliveries):
        kind = KINDS[i % len(KINDS)]
        target = victims[i % len(victims)]
        if kind == "replayed":
            response = post_event(client, genuine_event)
        elif kind == "forged":
            response = post_event(client, session_completed(target), secret="whsec_attacker")
        elif kind == "stale":
            response = post_event(
                client, session_completed(target), timestamp=int(time.time()) - 301 - i
            )
        else:
            body = json.dumps(session_completed(genuine, event_id=f"evt_t{i}")).encode()
            header = sign(body)
            body = body.replace(str(genuine.pk).encode(), str(target.pk).encode())
            response = client.post(
                "/webhooks/stripe/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
        statuses[kind][response.status_code] += 1
    return statuses
