"""Reads of a user's in-app notifications and of their notification choices."""

from __future__ import annotations

from collections.abc import Iterable

from core.models import Notification, NotificationPreference
from core.notifications import Channels, NotificationKind, notification_kinds


def notifications_for(*, user, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def notification_channels(
    *, kind: NotificationKind, user_ids: Iterable[int]
) -> dict[int, Channels]:
    """Each user's channels for `kind` (one query; none for a required kind): their saved
    choice, else the kind's defaults."""
    ids = list(user_ids)
    channels = dict.fromkeys(ids, kind.defaults)
    if kind.required or not ids:
        return channels
    saved = NotificationPreference.objects.filter(kind=kind.key, user_id__in=ids).values_list(
        "user_id", "in_app", "email"
    )
    channels.update({user_id: Channels(in_app, email) for user_id, in_app, email in saved})
    return channels


def notification_choices_for(*, user) -> list[tuple[NotificationKind, Channels]]:
    """Every kind with the person's channels for it, in page order (one query)."""
    saved = {
        kind: Channels(in_app, email)
        for kind, in_app, email in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "in_app", "email"
        )
    }
    choices = []
    for kind in notification_kinds():
        chosen = kind.defaults if kind.required else saved.get(kind.key, kind.defaults)
        choices.append((kind, chosen))
    return choices
