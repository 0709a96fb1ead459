"""Licences for commissioned work: no listing, the pieces were made for the licensee.

Called by commissions once the pieces exist (an instant commission's job succeeded, or the
buyer accepted a brief's delivery). Idempotent per order line, like listing grants.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from licensing.models import Certificate, LedgerKind, LicenceGrant, Tier
from licensing.services.grants import LicenceNotIssuable, _ledger, _record
from licensing.services.terms import terms_current


@transaction.atomic
def licence_grant_issue_commission(
    *, order_line, licensee, pieces: list, style_version=None
) -> LicenceGrant:
    """One grant (and certificate) covering every delivered piece of a commission line."""
    existing = LicenceGrant.objects.filter(order_line=order_line).first()
    if existing is not None:
        return existing
    if not pieces:
        raise LicenceNotIssuable("The commission produced no pieces to license.")
    makers = {licensee.pk, order_line.creator_id}
    if any(piece.owner_id not in makers for piece in pieces):
        raise LicenceNotIssuable("A commissioned piece must come from this commission.")
    tier = Tier.objects.filter(code=order_line.tier_code).first()
    if tier is None or tier.exclusive:
        raise LicenceNotIssuable(f"Licence tier {order_line.tier_code!r} cannot be commissioned.")
    terms = terms_current(tier=tier)
    order_ref = str(order_line.order_id)
    grant = LicenceGrant(
        listing=None,
        style_version=style_version,
        piece=pieces[0],
        licensee=licensee,
        tier=tier,
        exclusive=False,
        terms=terms,
        terms_version=terms.version,
        terms_sha256=terms.sha256,
        price_amount=order_line.amount,
        currency=order_line.order.currency,
        order_line=order_line,
        order_ref=order_ref,
        issued_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            grant.save(force_insert=True)
    except IntegrityError:
        existing = LicenceGrant.objects.filter(order_line=order_line).first()
        if existing is None:
            raise
        return existing
    grant.pieces.set(pieces)
    Certificate.objects.create(grant=grant)
    data = {"order": order_ref, "order_line": order_line.pk, "terms_sha256": terms.sha256}
    if style_version is not None:
        data["style"] = {"id": str(style_version.style_id), "version": style_version.number}
    _record(grant, from_status="", actor=licensee, data=data)
    ledger_data = {
        "grant": str(grant.pk),
        "tier": tier.code,
        "terms_version": terms.version,
        "terms_sha256": terms.sha256,
        "order": order_ref,
        "commission": True,
    }
    for piece in pieces:
        _ledger(piece, kind=LedgerKind.LICENSED, actor=licensee, data=ledger_data)
    return grant
