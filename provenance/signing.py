"""The signing identity at its configured place, `settings.PROVENANCE_SIGNING_DIR`.

The identity itself (files, generation, loading) is `provenance.identity`, which imports no
Django; this module only adds the settings defaults for callers inside Django: the directory
and the timestamp authority (`settings.PROVENANCE_TSA_URL`).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from provenance import identity
from provenance.identity import SigningIdentity, SigningIdentityMissing, build_identity

__all__ = [
    "SigningIdentity",
    "SigningIdentityMissing",
    "build_identity",
    "init_signing_identity",
    "load_signing_identity",
    "signing_dir",
    "timestamp_authority",
]


def signing_dir() -> Path:
    default = Path(settings.VAR_DIR) / "signing"
    return Path(getattr(settings, "PROVENANCE_SIGNING_DIR", default))


def timestamp_authority() -> str:
    """The RFC 3161 timestamp authority URL signatures ask ("" = none; checked at start)."""
    return str(getattr(settings, "PROVENANCE_TSA_URL", "") or "")


def init_signing_identity(
    directory: Path | None = None, *, organisation: str = "Promptfolio"
) -> tuple[Path, bool]:
    """`identity.init_signing_identity` in `directory`, by default the configured one."""
    return identity.init_signing_identity(directory or signing_dir(), organisation=organisation)


def load_signing_identity(directory: Path | None = None) -> SigningIdentity:
    """The identity in `directory`, by default the configured one (cached per process).

    Also makes the configured timestamp authority this process's, so `stamp_image`, which
    loads the identity by directory alone, signs with it too.
    """
    identity.use_timestamp_authority(timestamp_authority())
    return identity.load_signing_identity(directory or signing_dir())
