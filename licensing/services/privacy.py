"""A user's licences (held and sold) in their data export. Grants survive account deletion:
licensees keep the rights they bought."""

from typing import Any

from licensing.models import LicenceGrant
from marketplace.hooks import export_rows


def licences_export_data(*, user) -> dict[str, list[dict[str, Any]]]:
    return {
        "licences_held": export_rows(
            LicenceGrant.objects.filter(licensee=user),
            "id",
            "listing_id",
            "tier__code",
            "terms_version",
            "terms_sha256",
            "price_amount",
            "currency",
            "status",
            "issued_at",
            "revoked_at",
        ),
        "licences_sold": export_rows(
            LicenceGrant.objects.filter(listing__creator=user),
            "id",
            "listing_id",
            "tier__code",
            "price_amount",
            "currency",
            "status",
            "issued_at",
        ),
    }
