"""Outgoing mail. Services queue a message with `email_enqueue`; the `core.tasks.send_email`
task delivers it through the EMAIL_PROVIDER backend with retries, so no request waits on
(or fails because of) a mail server, and a rolled-back decision sends nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils.html import strip_tags
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.wakeups import task_named

logger = logging.getLogger(__name__)

SEND_EMAIL_TASK = "core.tasks.send_email"


def email_enqueue(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    from_email: str = "",
) -> None:
    """Queue one message once the current transaction commits (at once outside one). The
    task gets plain data only: the addresses, the texts and the extra headers. Without an
    address (an account that has none) nothing is queued."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    message = {
        "to": recipients,
        "subject": subject,
        "body": body,
        "html": html,
        "headers": dict(headers or {}),
        "from_email": from_email or settings.DEFAULT_FROM_EMAIL,
    }
    transaction.on_commit(lambda: _publish(message))


def email_enqueue_message(message: EmailMessage) -> None:
    """`email_enqueue` for a message a library rendered (allauth's account mail): its
    addresses, subject, text, HTML alternative and extra headers travel; it has nothing else."""
    if message.cc or message.bcc or message.reply_to or message.attachments:
        raise ValueError("Queued mail carries no cc, bcc, reply-to or attachments")
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", ())
            if mimetype == "text/html"
        ),
        "",
    )
    body = message.body
    if message.content_subtype == "html":
        html, body = message.body, strip_tags(message.body)
    email_enqueue(
        to=message.to,
        subject=str(message.subject),
        body=body,
        html=html,
        headers=message.extra_headers,
        from_email=message.from_email,
    )


def _publish(message: dict) -> None:
    try:
        # What the worker's and monitoring's task lines show instead of addresses and texts.
        summary = f"{{'subject': {message['subject']!r}, 'to': {len(message['to'])}}}"
        task_named(SEND_EMAIL_TASK).apply_async(kwargs=message, kwargsrepr=summary)
    except BrokerUnavailable as error:
        # The in-app notification (where there is one) stays the record; the mail is lost.
        logger.error(
            "Broker unavailable; mail %r to %d recipient(s) was not queued: %s",
            message["subject"],
            len(message["to"]),
            error,
        )


def email_deliver(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    from_email: str = "",
) -> None:
    """Send one message through the configured backend; raises when it fails (the task
    retries transient failures)."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        headers=headers or {},
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
