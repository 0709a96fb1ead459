"""Reads of a user's in-app notifications."""

from core.models import Notification


def notifications_for(*, user, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])
