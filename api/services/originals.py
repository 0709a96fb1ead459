"""Short-lived signed links to a piece's original, for API clients without a cookie.

On S3 the link is a presigned object URL. On local storage it is our own view with a
timestamped signature over (piece, person); the view checks the signature, and checks
again that the person may still have the original (a revoked licence stops the link).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from generation.models import Piece

SALT = "api.original"


@dataclass(frozen=True)
class SignedLink:
    url: str
    expires_at: datetime


def original_link(*, piece: Piece, user, base_url: str) -> SignedLink:
    seconds = settings.API_ORIGINAL_URL_SECONDS
    expires_at = timezone.now() + timedelta(seconds=seconds)
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        return SignedLink(
            url=storage.url(piece.original.name, expire=seconds), expires_at=expires_at
        )
    token = signing.dumps({"piece": str(piece.pk), "user": user.pk}, salt=SALT, compress=True)
    return SignedLink(url=base_url + reverse("api_original", args=[token]), expires_at=expires_at)


def original_link_open(*, token: str) -> tuple[str, object] | None:
    """(piece id, user id) of an unexpired link made by `original_link`; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.API_ORIGINAL_URL_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return data.get("piece"), data.get("user")
