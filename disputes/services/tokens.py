"""Signed, expiring links (django.core.signing): the signature is the credential, so a
reporter without an account, or a suspended one, can still confirm or complain."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.errors import ApplicationError

CONFIRM_SALT = "disputes.notice-confirm"
COMPLAINT_SALT = "disputes.complaint"


def notice_confirm_path(notice_id) -> str:
    token = signing.dumps(str(notice_id), salt=CONFIRM_SALT)
    return reverse("disputes:notice_confirm", kwargs={"token": token})


def notice_confirm_read(token: str) -> str:
    """The notice id, or a clear error for a link that is broken or too old."""
    try:
        return signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.NOTICE_CONFIRM_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise ApplicationError(
            "This confirmation link has expired; please send the report again.", code="expired"
        ) from None
    except signing.BadSignature:
        raise ApplicationError("This confirmation link is not valid.", code="bad_link") from None


def complaint_path(*, statement_id=None, notice_id=None) -> str:
    """The complaint form for one decision: a statement of reasons or a notice's outcome."""
    ref = {"statement": str(statement_id)} if statement_id else {"notice": str(notice_id)}
    token = signing.dumps(ref, salt=COMPLAINT_SALT)
    return reverse("disputes:complaint_new", kwargs={"token": token})


def complaint_read(token: str) -> dict:
    """{"statement": id} or {"notice": id}; the window itself is checked by the service."""
    try:
        ref = signing.loads(token, salt=COMPLAINT_SALT)
    except signing.BadSignature:
        raise ApplicationError("This complaint link is not valid.", code="bad_link") from None
    if not isinstance(ref, dict) or not ({"statement", "notice"} & set(ref)):
        raise ApplicationError("This complaint link is not valid.", code="bad_link")
    return ref


def absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"
