"""Celery entry points of core: thin, plain data in, a service call."""

import logging
import smtplib

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from celery import Task, shared_task

from core.services.mail import email_deliver

logger = logging.getLogger(__name__)

# Worth another try: the server or the provider's API is down, slow or refused for now.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, AnymailAPIError, OSError)
# Never better on a retry: the recipients were refused.
PERMANENT_MAIL_ERRORS = (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused)


class MailTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Say so when a message is given up (never the addresses or the text)."""
        logger.error(
            "Mail %r to %d recipient(s) not delivered after %d attempt(s): %r",
            kwargs.get("subject", ""),
            len(kwargs.get("to", ())),
            self.request.retries + 1,
            exc,
        )


@shared_task(
    name="core.tasks.send_email",
    base=MailTask,
    acks_late=True,
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    dont_autoretry_for=PERMANENT_MAIL_ERRORS,
    max_retries=5,
    retry_backoff=60,  # about 1, 2, 4, 8, 16 minutes (full jitter), then it gives up
    retry_backoff_max=3600,
)
def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    headers: dict[str, str] | None = None,
    from_email: str = "",
) -> None:
    email_deliver(
        to=to, subject=subject, body=body, html=html, headers=headers, from_email=from_email
    )
