"""Kinds of notification: what a person may switch on or off, per channel (in-app, email).

Core owns the registry and the "general" kind; a higher app registers its own kinds in its
`AppConfig.ready()` (core never imports it) and names one in every `notification_send`. A
`required` kind (a notice the law obliges us to deliver) always goes out on both channels;
the preferences page shows it disabled with its `reason`.
"""

from __future__ import annotations

from dataclasses import dataclass

GENERAL = "general"


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    email_default: bool = True
    in_app_default: bool = True
    required: bool = False
    reason: str = ""  # why a required kind cannot be turned off, shown on the page

    @property
    def defaults(self) -> Channels:
        return Channels(in_app=self.in_app_default, email=self.email_default)


@dataclass(frozen=True)
class Channels:
    """Where one kind of notice reaches one person."""

    in_app: bool
    email: bool


_kinds: dict[str, NotificationKind] = {}


def register_notification_kind(
    key: str,
    label: str,
    *,
    email_default: bool = True,
    in_app_default: bool = True,
    required: bool = False,
    reason: str = "",
) -> NotificationKind:
    """Add a kind. Registering the same definition again (a repeated `ready()`) is a no-op;
    another definition under a taken key is a programming error."""
    if not key or len(key) > 40:
        raise ValueError("A notification kind's key has 1 to 40 characters.")
    if required and not reason:
        raise ValueError(f"Required notification kind {key!r} must say why (reason=...).")
    kind = NotificationKind(
        key=key,
        label=label,
        email_default=email_default or required,
        in_app_default=in_app_default or required,
        required=required,
        reason=reason,
    )
    existing = _kinds.get(key)
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {key!r} is already registered differently.")
    _kinds[key] = kind
    return kind


def notification_kind(key: str) -> NotificationKind:
    """The registered kind, or ValueError: sending an unknown kind is a programming error."""
    try:
        return _kinds[key]
    except KeyError:
        raise ValueError(f"Unknown notification kind {key!r}; register it first.") from None


def notification_kinds() -> list[NotificationKind]:
    """Every kind in registration order, "Other notices" last (the preferences page)."""
    return sorted(_kinds.values(), key=lambda kind: kind.key == GENERAL)


register_notification_kind(GENERAL, "Other notices")
