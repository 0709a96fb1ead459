"""In-app notifications plus an email, queued after commit (core.services.mail), each as
the person chose for the notice's kind (core.notifications)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.notifications import GENERAL, NotificationKind, notification_kind
from core.selectors.notifications import notification_channels
from core.services.mail import email_enqueue
from core.services.notification_preferences import unsubscribe_path


@transaction.atomic
def notification_send(
    *,
    users: Iterable,
    subject: str,
    body: str = "",
    url: str = "",
    ref: str = "",
    kind: str = GENERAL,
) -> list[Notification]:
    """One Notification row and one email per distinct active user (None and inactive users
    are skipped), minus the channels they turned off for `kind` (a required kind ignores
    that); the emails are queued on commit (the row is the record, mail the messenger).
    `ref` names what the notice is about, e.g. "dispute:<id>". An unknown kind: ValueError."""
    notice_kind = notification_kind(kind)
    recipients = _distinct_active(users)
    channels = notification_channels(kind=notice_kind, user_ids=[user.pk for user in recipients])
    rows = []
    for user in recipients:
        if channels[user.pk].in_app:
            rows.append(Notification(user=user, subject=subject[:200], body=body, url=url, ref=ref))
        if channels[user.pk].email:
            _email(user=user, kind=notice_kind, subject=subject[:200], body=body, url=url)
    return Notification.objects.bulk_create(rows)


def _distinct_active(users: Iterable) -> list:
    seen: set[int] = set()
    recipients = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        recipients.append(user)
    return recipients


def _email(*, user, kind: NotificationKind, subject: str, body: str, url: str) -> None:
    """The mail, with a footer saying how to stop it and, unless the kind is required, the
    one-click unsubscribe headers (RFC 8058: the client POSTs to the link itself)."""
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    settings_link = f"{site}{reverse('core:notification_preferences')}"
    headers = {}
    if kind.required:
        footer = f"You get these notices whatever your settings: {kind.reason}"
    else:
        unsubscribe = f"{site}{unsubscribe_path(user_id=user.pk, kind=kind.key)}"
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        footer = f"Stop emails about “{kind.label}”: {unsubscribe}"
    parts = [body, f"{site}{url}" if url else "", f"-- \n{footer}\nAll settings: {settings_link}"]
    text = "\n\n".join(part for part in parts if part)
    email_enqueue(to=[user.email], subject=f"[Promptfolio] {subject}", body=text, headers=headers)


@transaction.atomic(durable=True)
def notifications_mark_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
