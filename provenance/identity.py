"""The offline signing identity for C2PA manifests: a private root CA and a P-256 leaf.

No Django here: every function takes the directory, so a stamping process pool can load the
identity without settings. `provenance.signing` adds the configured default
(`settings.PROVENANCE_SIGNING_DIR`, outside the repository, never committed). The files:

    root-ca.pem        root certificate (public; a verifier's trust anchor)
    root-ca.key.pem    root private key (mode 600; only needed to issue a new leaf)
    signer.pem         leaf certificate followed by the root certificate (the chain C2PA embeds)
    signer.key.pem     leaf private key (mode 600)

There is no timestamp authority, so a signature stops validating once the leaf expires:
the leaf is long-lived on purpose (20 years by default).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key.pem"
LEAF_CHAIN = "signer.pem"
LEAF_KEY = "signer.key.pem"
FILES = (ROOT_CERT, ROOT_KEY, LEAF_CHAIN, LEAF_KEY)
DEFAULT_VALIDITY_DAYS = 20 * 365


class SigningIdentityMissing(RuntimeError):
    """The signing files are not there; run `manage.py init_signing`."""


@dataclass(frozen=True)
class SigningIdentity:
    chain_pem: bytes  # leaf certificate first, then the root
    key_pem: bytes  # PKCS#8 PEM of the leaf's P-256 key
    root_pem: bytes
    directory: Path

    @property
    def leaf(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def fingerprint(self) -> str:
        return self.leaf.fingerprint(hashes.SHA256()).hex()


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Create `path` exclusively (never overwrite), with mode 600 for private keys."""
    mode = 0o600 if private else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


def build_identity(
    *, organisation: str = "Promptfolio", validity_days: int = DEFAULT_VALIDITY_DAYS
) -> dict[str, bytes]:
    """Generate a root CA and a leaf signing certificate; returns file name -> PEM bytes."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=validity_days)

    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{organisation} Provenance Root CA", organisation)
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(root_ski, critical=False)
        .sign(root_key, hashes.SHA256())
    )

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} Content Credentials Signer", organisation))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), False
        )
        .sign(root_key, hashes.SHA256())
    )

    def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    root_pem = root.public_bytes(serialization.Encoding.PEM)
    return {
        ROOT_CERT: root_pem,
        ROOT_KEY: key_pem(root_key),
        LEAF_CHAIN: leaf.public_bytes(serialization.Encoding.PEM) + root_pem,
        LEAF_KEY: key_pem(leaf_key),
    }


def init_signing_identity(
    directory: Path, *, organisation: str = "Promptfolio"
) -> tuple[Path, bool]:
    """Create the identity unless it exists. Returns (directory, created).

    Never overwrites: a complete identity is left alone; a partial one (some files missing)
    raises, because silently replacing a key would orphan every manifest signed with it.
    """
    directory = Path(directory)
    present = [name for name in FILES if (directory / name).exists()]
    if len(present) == len(FILES):
        return directory, False
    if present:
        raise SigningIdentityMissing(
            f"{directory} holds only part of a signing identity ({', '.join(present)}); "
            "restore the missing files from backup or move the folder away."
        )
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    for name, data in build_identity(organisation=organisation).items():
        _write(directory / name, data, private=name.endswith(".key.pem"))
    load_signing_identity.cache_clear()
    return directory, True


def _load(directory: Path) -> SigningIdentity:
    try:
        return SigningIdentity(
            chain_pem=(directory / LEAF_CHAIN).read_bytes(),
            key_pem=(directory / LEAF_KEY).read_bytes(),
            root_pem=(directory / ROOT_CERT).read_bytes(),
            directory=directory,
        )
    except FileNotFoundError as exc:
        raise SigningIdentityMissing(
            f"No signing identity in {directory}; run `python manage.py init_signing`."
        ) from exc


class _Cache:
    """Per-process cache keyed by directory (pool children load once; tests switch dirs)."""

    def __init__(self) -> None:
        self._items: dict[Path, SigningIdentity] = {}

    def __call__(self, directory: Path) -> SigningIdentity:
        directory = Path(directory)
        identity = self._items.get(directory)
        if identity is None:
            identity = self._items[directory] = _load(directory)
        return identity

    def cache_clear(self) -> None:
        self._items.clear()


load_signing_identity = _Cache()
