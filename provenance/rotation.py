"""Rotate the signing identity: a new leaf (and, on request, a new root) while workers sign.

No Django, like `provenance.identity`. The order is what makes it safe to run live:

1. the outgoing files are copied to `retired/<old leaf sha256>/` (created exclusively: a
   second rotation of the same leaf, or a leftover folder, refuses instead of overwriting);
2. with a new root, the old root certificate goes to `trust/<old root sha256>.pem`, so every
   verifier in this deployment trusts it before anything it issued is replaced;
3. the new files are written beside the old ones under temporary names, then swapped in with
   `os.replace` (root first, the leaf's key, then its chain). A reader never sees a
   half-written file; one that reads between two swaps sees a key that is not the leaf's and
   reads again (`identity.load_signing_identity`).

Old signatures need no key to verify: each manifest embeds its own chain, so verifiers only
need the old roots, which stay trusted through trust/.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from provenance import identity
from provenance.identity import (
    LEAF_CHAIN,
    LEAF_KEY,
    RETIRED_DIR,
    ROOT_CERT,
    ROOT_KEY,
    TRUST_DIR,
    SigningIdentityMissing,
)


class RotationRefused(RuntimeError):
    """Rotating would overwrite something or work from an incomplete identity."""


@dataclass(frozen=True)
class Rotation:
    directory: Path
    retired: Path  # where the outgoing leaf (and root) now also lie
    old_fingerprint: str
    new_fingerprint: str
    root_fingerprint: str  # of the root that issued the new leaf
    new_root: bool


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def _mkdir_private(path: Path, *, exist_ok: bool) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=exist_ok)
    os.chmod(path, 0o700)


def _current(directory: Path) -> dict[str, bytes]:
    missing = [name for name in identity.FILES if not (directory / name).is_file()]
    if len(missing) == len(identity.FILES):
        raise SigningIdentityMissing(
            f"No signing identity in {directory}; run `python manage.py init_signing`."
        )
    if missing:
        raise RotationRefused(
            f"{directory} lacks {', '.join(missing)}: a rotation needs the whole identity, "
            "the root key included (restore it from the offline backup)."
        )
    return {name: (directory / name).read_bytes() for name in identity.FILES}


def _retire(directory: Path, current: dict[str, bytes], *, new_root: bool) -> Path:
    """Copy the outgoing files to retired/<leaf sha256>/ and, for a new root, its certificate
    to trust/. Exclusive creation throughout: nothing already there is overwritten."""
    leaf = x509.load_pem_x509_certificates(current[LEAF_CHAIN])[0]
    retired = directory / RETIRED_DIR / _fingerprint(leaf)
    _mkdir_private(directory / RETIRED_DIR, exist_ok=True)
    try:
        _mkdir_private(retired, exist_ok=False)
    except FileExistsError as exc:
        raise RotationRefused(
            f"{retired} already exists and is never overwritten (an earlier rotation of "
            "this leaf stopped half-way?): if its files are the current ones, move it away "
            "and rotate again."
        ) from exc
    names = (LEAF_CHAIN, LEAF_KEY, *((ROOT_CERT, ROOT_KEY) if new_root else ()))
    for name in names:
        identity.write_exclusive(retired / name, current[name], private=name.endswith(".key.pem"))
    if new_root:
        root = x509.load_pem_x509_certificate(current[ROOT_CERT])
        _mkdir_private(directory / TRUST_DIR, exist_ok=True)
        trusted = directory / TRUST_DIR / f"{_fingerprint(root)}.pem"
        if trusted.exists():
            raise RotationRefused(f"{trusted} already exists; it is never overwritten.")
        identity.write_exclusive(trusted, current[ROOT_CERT], private=False)
    return retired


def _swap_in(directory: Path, files: dict[str, bytes]) -> None:
    """Write every new file under a temporary name first, then os.replace each into place."""
    staged = {}
    for name, data in files.items():
        temporary = directory / f".{name}.{secrets.token_hex(8)}.new"
        identity.write_exclusive(temporary, data, private=name.endswith(".key.pem"))
        staged[name] = temporary
    for name in (ROOT_KEY, ROOT_CERT, LEAF_KEY, LEAF_CHAIN):
        if name in staged:
            os.replace(staged[name], directory / name)
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def rotate_signing_identity(
    directory: Path,
    *,
    new_root: bool = False,
    organisation: str = "Promptfolio",
    validity_days: int = identity.DEFAULT_VALIDITY_DAYS,
) -> Rotation:
    """Issue a new leaf under the current root (or under a new root with `new_root`),
    keeping the outgoing files in retired/ and the outgoing root trusted through trust/."""
    directory = Path(directory)
    current = _current(directory)
    old_leaf = x509.load_pem_x509_certificates(current[LEAF_CHAIN])[0]
    if new_root:
        files = identity.build_identity(organisation=organisation, validity_days=validity_days)
    else:
        root = x509.load_pem_x509_certificate(current[ROOT_CERT])
        root_key = serialization.load_pem_private_key(current[ROOT_KEY], password=None)
        leaf_key, leaf = identity.issue_leaf(
            organisation=organisation, root_key=root_key, root=root, validity_days=validity_days
        )
        files = {
            LEAF_CHAIN: identity.cert_pem(leaf) + current[ROOT_CERT],
            LEAF_KEY: identity.key_pem(leaf_key),
        }
    retired = _retire(directory, current, new_root=new_root)
    _swap_in(directory, files)
    new_leaf = x509.load_pem_x509_certificates(files[LEAF_CHAIN])
    return Rotation(
        directory=directory,
        retired=retired,
        old_fingerprint=_fingerprint(old_leaf),
        new_fingerprint=_fingerprint(new_leaf[0]),
        root_fingerprint=_fingerprint(new_leaf[-1]),
        new_root=new_root,
    )
