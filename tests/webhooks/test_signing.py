"""The documented verification snippet checks real deliveries (docs/webhooks.md)."""

import hashlib
import hmac
import json

import pytest

from webhooks.models import DeliveryStatus
from webhooks.services.deliveries import delivery_attempt, event_emit
from webhooks.signing import signature

pytestmark = pytest.mark.django_db


def test_the_documented_snippet_verifies_a_real_delivery(
    verify_signature, endpoint_for, receiver, buyer
):
    endpoint = endpoint_for(buyer)
    (delivery,) = event_emit(user_id=buyer.pk, event_type="job.succeeded", data={"job_id": "j1"})

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    (request,) = receiver.requests
    header = request["headers"]["Promptfolio-Signature"]
    assert verify_signature(endpoint.secret, header, request["body"]) is True
    assert request["headers"]["Promptfolio-Event"] == "job.succeeded"
    assert request["headers"]["Promptfolio-Delivery"] == str(delivery.event_id)
    assert request["headers"]["Host"] == f"127.0.0.1:{receiver.port}"
    body = json.loads(request["body"])
    assert body == {
        "id": str(delivery.event_id),
        "type": "job.succeeded",
        "created": delivery.created_at.isoformat(),
        "data": {"job_id": "j1"},
    }
    # Anything else fails: another secret, a changed body, a changed timestamp.
    assert verify_signature("whsec_other", header, request["body"]) is False
    assert verify_signature(endpoint.secret, header, request["body"] + b" ") is False
    timestamp = int(header.split(",")[0][2:])
    moved = header.replace(f"t={timestamp}", f"t={timestamp + 1}")
    assert verify_signature(endpoint.secret, moved, request["body"], now=timestamp) is False


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"a":1}'
    expected = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()

    assert signature(secret="whsec_k", body=body, timestamp=1700000000) == (
        f"t=1700000000,v1={expected}"
    )


@pytest.mark.parametrize(
    ("now", "ok"),
    [(1700000000, True), (1700000300, True), (1700000301, False), (1699999699, False)],
)
def test_the_snippet_refuses_timestamps_outside_the_tolerance(verify_signature, now, ok):
    header = signature(secret="whsec_k", body=b"{}", timestamp=1700000000)

    assert verify_signature("whsec_k", header, b"{}", now=now) is ok


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "v1=00", "t=1700000000"])
def test_the_snippet_refuses_malformed_headers(verify_signature, header):
    assert verify_signature("whsec_k", header, b"{}", now=1700000000) is False


def test_the_snippet_accepts_any_of_several_v1_signatures(verify_signature):
    good = signature(secret="whsec_k", body=b"{}", timestamp=1700000000).split(",")[1]
    header = f"t=1700000000,v1={'0' * 64},{good}"

    assert verify_signature("whsec_k", header, b"{}", now=1700000000) is True
