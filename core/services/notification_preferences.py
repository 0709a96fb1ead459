"""Which notifications a person gets: the preferences page's save and the one-click
unsubscribe link every notification mail carries (RFC 8058 / RFC 2369 List-Unsubscribe).

The link's signed token (django.core.signing, no expiry: an old mail's link keeps working)
names the user and the kind, so it needs no login; it only ever turns email off.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse

from core.errors import ApplicationError
from core.models import NotificationPreference
from core.notifications import Channels, NotificationKind, notification_kind

UNSUBSCRIBE_SALT = "core.notification-unsubscribe"
BAD_LINK = (
    "This unsubscribe link is not valid (it may have been cut short in your mail). "
    "Sign in and choose which emails you get on the notification settings page."
)


@transaction.atomic
def notification_preferences_save(*, user, choices: dict[str, Channels]) -> None:
    """Save the person's channels for each kind named (one upsert); required kinds keep
    both channels and are not stored. An unknown kind is a ValueError."""
    rows = [
        NotificationPreference(user=user, kind=key, in_app=chosen.in_app, email=chosen.email)
        for key, chosen in choices.items()
        if not notification_kind(key).required
    ]
    NotificationPreference.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["in_app", "email", "updated_at"],
    )


def unsubscribe_path(*, user_id: int, kind: str) -> str:
    token = signing.dumps({"user": user_id, "kind": kind}, salt=UNSUBSCRIBE_SALT)
    return reverse("core:notification_unsubscribe", kwargs={"token": token})


def unsubscribe_read(token: str) -> tuple[int, NotificationKind]:
    """(user id, kind) of a genuine link to an existing account, else an ApplicationError
    the page shows."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ApplicationError(BAD_LINK, code="bad_link") from None
    user_id = data.get("user") if isinstance(data, dict) else None
    key = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or not isinstance(key, str):
        raise ApplicationError(BAD_LINK, code="bad_link")
    try:
        kind = notification_kind(key)
    except ValueError:
        raise ApplicationError(
            "These notices no longer exist, so there is nothing to unsubscribe from.",
            code="unknown_kind",
        ) from None
    if kind.required:
        raise ApplicationError(f"“{kind.label}” cannot be turned off: {kind.reason}")
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise ApplicationError(BAD_LINK, code="bad_link")  # the account was deleted
    return user_id, kind


@transaction.atomic
def notification_unsubscribe(*, token: str) -> NotificationKind:
    """Turn email off for the link's person and kind (their in-app choice stays); repeating
    it changes nothing."""
    user_id, kind = unsubscribe_read(token)
    preference, created = NotificationPreference.objects.select_for_update().get_or_create(
        user_id=user_id, kind=kind.key, defaults={"in_app": kind.in_app_default, "email": False}
    )
    if not created and preference.email:
        preference.email = False
        preference.save(update_fields=["email", "updated_at"])
    return kind
