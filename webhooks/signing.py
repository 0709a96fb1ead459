"""How a delivery is signed (docs/webhooks.md shows receivers how to check it).

`Promptfolio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
Signing the timestamp with the body lets a receiver refuse replays of an old capture; the
same scheme as Stripe's, so receivers can reuse what they know.
"""

import hashlib
import hmac
import json

SIGNATURE_HEADER = "Promptfolio-Signature"
EVENT_HEADER = "Promptfolio-Event"
DELIVERY_HEADER = "Promptfolio-Delivery"


def signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The header value for `body` signed at `timestamp`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(*, event_id: str, event_type: str, created: str, data: dict) -> bytes:
    """The exact bytes sent and signed: compact JSON with sorted keys."""
    envelope = {"id": event_id, "type": event_type, "created": created, "data": data}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def delivery_headers(
    *, secret: str, body: bytes, timestamp: int, event_id: str, event_type: str
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Promptfolio-Webhooks/1",
        SIGNATURE_HEADER: signature(secret=secret, body=body, timestamp=timestamp),
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: event_id,
    }
