"""Licensing models: provenance (records, ledger, pHash index) and licences (tiers, terms,
offers, holds, grants, certificates)."""

from licensing.models.licences import (
    Certificate,
    ExclusiveHold,
    GrantEvent,
    GrantStatus,
    ImmutableError,
    LicenceGrant,
    ListingOffer,
    TermsVersion,
    Tier,
)
from licensing.models.provenance import (
    WATERMARK_ID_MAX,
    AppendOnlyError,
    LedgerEntry,
    LedgerHead,
    LedgerKind,
    LedgerQuerySet,
    PhashIndex,
    ProvenanceRecord,
)

__all__ = [
    "WATERMARK_ID_MAX",
    "AppendOnlyError",
    "Certificate",
    "ExclusiveHold",
    "GrantEvent",
    "GrantStatus",
    "ImmutableError",
    "LedgerEntry",
    "LedgerHead",
    "LedgerKind",
    "LedgerQuerySet",
    "LicenceGrant",
    "ListingOffer",
    "PhashIndex",
    "ProvenanceRecord",
    "TermsVersion",
    "Tier",
]
