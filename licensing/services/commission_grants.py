"""Licences for commissioned work: no listing, the pieces were made for the licensee.

Called by commissions once the pieces exist (an instant commission's job succeeded, or the
buyer accepted a brief's delivery). Idempotent per order line, like listing grants.
"""

from __future__ import annotations

from django.db import transaction

from licensing.models import LicenceGrant, Tier
from licensing.services.grants import LicenceNotIssuable, _grant_insert
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
    event_data = {}
    if style_version is not None:
        event_data["style"] = {"id": str(style_version.style_id), "version": style_version.number}
    grant, _ = _grant_insert(
        order_line=order_line,
        licensee=licensee,
        tier=tier,
        terms=terms,
        pieces=pieces,
        piece_id=pieces[0].pk,
        style_version=style_version,
        event_data=event_data,
        ledger_data={"commission": True},
    )  # a racing insert for the line returns its grant; any other conflict re-raises
    return grant
