"""In-app notifications plus an email through Django's mail backend (sent after commit)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.models import Notification


def _send(email: str, subject: str, body: str) -> None:
    send_mail(
        subject=f"[Promptfolio] {subject}",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
        fail_silently=True,  # the in-app notification is the record; mail is best effort
    )


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
    the emails go out on commit. `ref` names what the notice is about, e.g. "dispute:<id>"."""
    seen: set[int] = set()
    rows = []
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, subject=subject[:200], body=body, url=url, ref=ref))
        text = f"{body}\n\n{site}{url}" if url else body
        email, title = user.email, subject[:200]
        transaction.on_commit(lambda e=email, t=title, b=text: _send(e, t, b))
    return Notification.objects.bulk_create(rows)


@transaction.atomic(durable=True)
def notifications_mark_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
