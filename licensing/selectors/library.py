"""The buyer's library: everything they hold (or held) a licence for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from licensing.selectors.grants import grants_for_licensee
from marketplace.models import Listing


@dataclass(frozen=True)
class LibraryItem:
    listing: Listing
    tier_name: str
    granted_at: datetime
    status: str  # active, revoked or refunded
    download_url: str  # answers with a short-lived signed URL for the original
    certificate_url: str = ""
    edit_url: str = ""  # when the grant's terms allow derivatives (variations, upscales…)

    @property
    def active(self) -> bool:
        return self.status == "active"


def library_for_buyer(*, buyer) -> list[LibraryItem]:
    """Licences the buyer holds, newest first; revoked and refunded ones stay listed."""
    return [
        LibraryItem(
            listing=grant.listing,
            tier_name=grant.tier.name,
            granted_at=grant.issued_at,
            status=grant.status,
            download_url=reverse("piece_original", kwargs={"piece_id": grant.piece_id}),
            certificate_url=grant.get_certificate_pdf_url(),
            edit_url=(
                reverse("piece_edit", kwargs={"piece_id": grant.piece_id})
                if grant.terms.derivatives
                else ""
            ),
        )
        for grant in grants_for_licensee(user=buyer)
        if grant.listing_id is not None  # commissions are listed on the commissions page
    ]
