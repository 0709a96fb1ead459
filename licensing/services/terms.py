"""Terms are published, never edited: a change to a tier's terms is a new version."""

from __future__ import annotations

import hashlib
from types import EllipsisType

from django.db import IntegrityError, transaction
from django.db.models import Max

from core.errors import ApplicationError
from licensing.models import TermsVersion, Tier


def terms_sha256(body: str) -> str:
    """What a grant records and a certificate prints: sha256 of the UTF-8 body."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def terms_current(*, tier: Tier) -> TermsVersion:
    terms = TermsVersion.objects.filter(tier=tier).order_by("-version").first()
    if terms is None:
        raise ApplicationError(f"The {tier.name} licence has no published terms.", code="no_terms")
    return terms


@transaction.atomic
def terms_publish_new_version(
    *,
    tier: Tier,
    body: str,
    summary: str | None = None,
    commercial: bool | None = None,
    max_copies: int | None | EllipsisType = ...,
    merchandise: bool | None = None,
    derivatives: bool | None = None,
    derivative_resale: bool | None = None,
    indemnity_amount: int | None = None,
    indemnity_currency: str | None = None,
    transfers_copyright: bool | None = None,
    actor=None,
) -> TermsVersion:
    """Publish version n + 1 of a tier's terms. Facts not given are copied from the current
    version (`max_copies=None` means unlimited, so "not given" is the default `...`).
    Grants already issued keep pointing at the version (and hash) they were sold under."""
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ApplicationError("The terms text cannot be empty.", field="body")
    tier = Tier.objects.select_for_update().get(pk=tier.pk)  # serialise version numbers
    previous = TermsVersion.objects.filter(tier=tier).order_by("-version").first()

    def pick(value, name, default):
        if value is None or value is ...:
            return getattr(previous, name) if previous is not None else default
        return value

    summary = pick(summary, "summary", "").strip()
    if not summary:
        raise ApplicationError("Summarise the rights in plain language.", field="summary")
    if max_copies is ...:
        max_copies = previous.max_copies if previous is not None else None
    next_version = (
        TermsVersion.objects.filter(tier=tier).aggregate(n=Max("version"))["n"] or 0
    ) + 1
    terms = TermsVersion(
        tier=tier,
        version=next_version,
        summary=summary,
        body=body,
        sha256=terms_sha256(body),
        commercial=pick(commercial, "commercial", False),
        max_copies=max_copies,
        merchandise=pick(merchandise, "merchandise", False),
        derivatives=pick(derivatives, "derivatives", False),
        derivative_resale=pick(derivative_resale, "derivative_resale", False),
        indemnity_amount=pick(indemnity_amount, "indemnity_amount", 0),
        indemnity_currency=pick(indemnity_currency, "indemnity_currency", "USD"),
        transfers_copyright=pick(transfers_copyright, "transfers_copyright", tier.exclusive),
        created_by=actor,
    )
    terms.full_clean()
    try:
        with transaction.atomic():
            terms.save(force_insert=True)
    except IntegrityError:
        raise ApplicationError(
            "Someone published a version at the same time; try again.", code="conflict"
        ) from None
    return terms
