"""A user's webhook endpoints: register (with the URL and event checks), delete, test."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from core.errors import ApplicationError, PermissionDeniedError
from webhooks.delivery import address_refusal
from webhooks.models import (
    MAX_ENDPOINTS_PER_USER,
    TEST_EVENT,
    EndpointStatus,
    EventType,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
)
from webhooks.services.deliveries import delivery_create

User = get_user_model()
LOCAL_NAMES = ("localhost", "localhost.localdomain")


def endpoint_url_check(url: str) -> str:
    """The URL's shape and, for a literal address, where it points. A name is checked again
    at every delivery (it may resolve elsewhere later), so this only catches the obvious."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApplicationError("Enter an http or https URL with a host name.", field="url")
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise ApplicationError("Webhook URLs must use https.", field="url")
    if parts.username or parts.password:
        raise ApplicationError("Leave user names and passwords out of the URL.", field="url")
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES
    host = parts.hostname.rstrip(".").lower()
    if not allow_private and (host in LOCAL_NAMES or host.endswith(".localhost")):
        raise ApplicationError("Webhooks cannot be sent to this machine.", field="url")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return url.strip()
    reason = address_refusal(host, allow_private=allow_private)
    if reason:
        raise ApplicationError(f"Webhooks cannot be sent there: {reason}.", field="url")
    return url.strip()


def _status(endpoint: WebhookEndpoint) -> str:
    return EndpointStatus.ACTIVE if endpoint.is_active else EndpointStatus.PAUSED


def _record(endpoint: WebhookEndpoint, *, actor: User, from_status: str, to_status: str) -> None:
    WebhookEndpointEvent.objects.create(
        endpoint=endpoint if to_status != EndpointStatus.DELETED else None,
        owner_id=endpoint.owner_id,
        url=endpoint.url,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
    )


def _events_check(events: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [event for event in chosen if event not in EventType.values]
    if unknown:
        raise ApplicationError(f"Unknown event: {', '.join(unknown)}.", field="events")
    if not chosen:
        raise ApplicationError("Choose at least one event.", field="events")
    return chosen


@transaction.atomic
def endpoint_create(
    *, owner: User, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    """Register an endpoint; at most MAX_ENDPOINTS_PER_USER per person, counted under the
    owner's row lock so two requests cannot both take the last place."""
    url = endpoint_url_check(url)
    events = _events_check(events)
    User.objects.select_for_update().get(pk=owner.pk)
    if WebhookEndpoint.objects.filter(owner=owner).count() >= MAX_ENDPOINTS_PER_USER:
        raise ApplicationError(
            f"You can register at most {MAX_ENDPOINTS_PER_USER} webhook endpoints; "
            "delete one first.",
            code="endpoint_limit",
        )
    endpoint = WebhookEndpoint(owner=owner, url=url, events=events, description=description.strip())
    endpoint.full_clean()
    endpoint.save(force_insert=True)
    _record(endpoint, actor=owner, from_status="", to_status=EndpointStatus.ACTIVE)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Delete it and its log; deliveries still pending are dropped with it. Its history
    stays, with a last row saying who deleted it."""
    if endpoint.owner_id != actor.pk:
        raise PermissionDeniedError()
    _record(endpoint, actor=actor, from_status=_status(endpoint), to_status=EndpointStatus.DELETED)
    endpoint.delete()


@transaction.atomic
def endpoint_set_active(*, endpoint: WebhookEndpoint, actor: User, active: bool) -> WebhookEndpoint:
    """Pause or resume: a paused endpoint gets no new events (deliveries already queued keep
    their schedule, and a test event is still sent)."""
    if endpoint.owner_id != actor.pk:
        raise PermissionDeniedError()
    if endpoint.is_active == active:
        return endpoint
    previous = _status(endpoint)
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    _record(endpoint, actor=actor, from_status=previous, to_status=_status(endpoint))
    return endpoint


@transaction.atomic
def endpoint_send_test(*, endpoint: WebhookEndpoint, actor: User) -> WebhookDelivery:
    """A `test` event to this endpoint whatever it subscribes to, so its owner can check
    the receiver and their signature code."""
    if endpoint.owner_id != actor.pk:
        raise PermissionDeniedError()
    data = {"message": "A test event from Promptfolio.", "endpoint": endpoint.pk}
    return delivery_create(endpoint=endpoint, event_type=TEST_EVENT, data=data)


@transaction.atomic
def endpoints_erase(*, user: User) -> int:
    """An erased account's endpoints and their history (its own URLs, personal data) go with
    their logs, and nothing more is sent for it; how many endpoints were deleted."""
    WebhookEndpointEvent.objects.filter(owner=user).delete()
    _, per_model = WebhookEndpoint.objects.filter(owner=user).delete()
    return per_model.get(WebhookEndpoint._meta.label, 0)
