"""In-app notifications plus an email, queued after commit (core.services.mail)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import Notification
from core.services.mail import email_enqueue


@transaction.atomic
def notification_send(
    *,
    users: Iterable,
    subject: str,
    body: str = "",
    url: str = "",
    ref: str = "",
) -> list[Notification]:
    """One Notification row per distinct active user (None and inactive users are skipped);
    the emails are queued on commit (the row is the record, mail the messenger). `ref`
    names what the notice is about, e.g. "dispute:<id>"."""
    seen: set[int] = set()
    rows = []
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, subject=subject[:200], body=body, url=url, ref=ref))
        text = f"{body}\n\n{site}{url}" if url else body
        email_enqueue(to=[user.email], subject=f"[Promptfolio] {subject[:200]}", body=text)
    return Notification.objects.bulk_create(rows)


@transaction.atomic(durable=True)
def notifications_mark_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
