"""The offline signing identity for C2PA manifests: a private root CA and a P-256 leaf.

No Django here: every function takes the directory, so a stamping process pool can load the
identity without settings. `provenance.signing` adds the configured default
(`settings.PROVENANCE_SIGNING_DIR`, outside the repository, never committed). The files:

    root-ca.pem        root certificate (public; a verifier's trust anchor)
    root-ca.key.pem    root private key (mode 600; only needed to issue a new leaf)
    signer.pem         leaf certificate followed by the root certificate (the chain C2PA embeds)
    signer.key.pem     leaf private key (mode 600)
    trust/<sha256>.pem roots replaced by `rotate_signing --new-root` (still trust anchors)
    retired/<sha256>/  each rotated-out leaf chain and key (and root, after --new-root)

Without a timestamp authority a signature stops validating once its leaf expires, so the leaf
is long-lived (20 years); with one (`PROVENANCE_TSA_URL`) it keeps validating (ADR 011).
"""

from __future__ import annotations

import datetime as dt
import os
import time
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
TRUST_DIR = "trust"
RETIRED_DIR = "retired"
DEFAULT_VALIDITY_DAYS = 20 * 365
LOAD_ATTEMPTS = 20  # a rotation swaps two files; a reader between the swaps reads again


class SigningIdentityMissing(RuntimeError):
    """The signing files are not there; run `manage.py init_signing`."""


@dataclass(frozen=True)
class SigningIdentity:
    chain_pem: bytes  # leaf certificate first, then the root
    key_pem: bytes  # PKCS#8 PEM of the leaf's P-256 key
    root_pem: bytes
    directory: Path
    retired_roots_pem: bytes = b""  # trust/*.pem: roots a rotation replaced
    tsa_url: str = ""  # RFC 3161 timestamp authority the signer asks ("" = none)

    @property
    def leaf(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]

    @property
    def fingerprint(self) -> str:
        return self.leaf.fingerprint(hashes.SHA256()).hex()

    @property
    def trust_anchors_pem(self) -> bytes:
        """The current root and every retired one: what a verifier should trust."""
        return self.root_pem + self.retired_roots_pem


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def write_exclusive(path: Path, data: bytes, *, private: bool) -> None:
    """Create `path` exclusively (never overwrite), on disk, mode 600 for private keys."""
    mode = 0o600 if private else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)


def _key_usage(*, certificates: bool) -> x509.KeyUsage:
    """A root signs certificates (and CRLs); a leaf signs manifests."""
    return x509.KeyUsage(
        digital_signature=not certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certificates,
        crl_sign=certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _issue_root(
    *, organisation: str, now: dt.datetime, until: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{organisation} Provenance Root CA", organisation)
    root = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, root


def issue_leaf(
    *,
    organisation: str,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new P-256 signing certificate under `root`, never outliving it."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = min(now + dt.timedelta(days=validity_days), root.not_valid_after_utc)
    key = ec.generate_private_key(ec.SECP256R1())
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} Content Credentials Signer", organisation))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, leaf


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def cert_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def build_identity(
    *, organisation: str = "Promptfolio", validity_days: int = DEFAULT_VALIDITY_DAYS
) -> dict[str, bytes]:
    """Generate a root CA and a leaf signing certificate; returns file name -> PEM bytes.

    The root outlives the leaf by a year, so a rotated leaf can still be issued under it.
    """
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    until = now + dt.timedelta(days=validity_days + 365)
    root_key, root = _issue_root(organisation=organisation, now=now, until=until)
    leaf_key, leaf = issue_leaf(
        organisation=organisation, root_key=root_key, root=root, validity_days=validity_days
    )
    root_pem = cert_pem(root)
    return {
        ROOT_CERT: root_pem,
        ROOT_KEY: key_pem(root_key),
        LEAF_CHAIN: cert_pem(leaf) + root_pem,
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
        write_exclusive(directory / name, data, private=name.endswith(".key.pem"))
    load_signing_identity.cache_clear()
    return directory, True


def _retired_roots(directory: Path) -> bytes:
    trust = directory / TRUST_DIR
    if not trust.is_dir():
        return b""
    return b"".join(path.read_bytes() for path in sorted(trust.glob("*.pem")))


def _load(directory: Path, tsa_url: str) -> SigningIdentity:
    try:
        return SigningIdentity(
            chain_pem=(directory / LEAF_CHAIN).read_bytes(),
            key_pem=(directory / LEAF_KEY).read_bytes(),
            root_pem=(directory / ROOT_CERT).read_bytes(),
            directory=directory,
            retired_roots_pem=_retired_roots(directory),
            tsa_url=tsa_url,
        )
    except FileNotFoundError as exc:
        raise SigningIdentityMissing(
            f"No signing identity in {directory}; run `python manage.py init_signing`."
        ) from exc


def _matches(identity: SigningIdentity) -> bool:
    """Whether the key is the leaf's (a reader between a rotation's two swaps sees a mix)."""
    key = serialization.load_pem_private_key(identity.key_pem, password=None)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    return key.public_key().public_bytes(encoding, public) == (
        identity.leaf.public_key().public_bytes(encoding, public)
    )


def _version(directory: Path) -> tuple:
    """What changes when a rotation swaps a file in (os.replace gives it a new inode)."""
    version = []
    for name in (LEAF_CHAIN, LEAF_KEY, ROOT_CERT, TRUST_DIR):
        try:
            info = (directory / name).stat()
        except FileNotFoundError:
            version.append(None)
            continue
        version.append((info.st_ino, info.st_mtime_ns, info.st_size))
    return tuple(version)


class _Cache:
    """Per-process cache keyed by directory, timestamp authority and the files' versions.

    Each call stats the files, so a process notices a rotation at its next load: signing
    already under way finishes with the identity it holds (still valid and trusted).
    """

    def __init__(self) -> None:
        self._items: dict[tuple, SigningIdentity] = {}
        self.tsa_url = ""  # this process's timestamp authority (use_timestamp_authority)

    def __call__(self, directory: Path) -> SigningIdentity:
        directory = Path(directory)
        for _ in range(LOAD_ATTEMPTS):
            key = (directory, self.tsa_url, _version(directory))
            identity = self._items.get(key)
            if identity is not None:
                return identity
            identity = _load(directory, self.tsa_url)
            if _matches(identity) and _version(directory) == key[2]:
                self._items = {k: v for k, v in self._items.items() if k[0] != directory}
                self._items[key] = identity
                return identity
            time.sleep(0.01)
        raise SigningIdentityMissing(
            f"The signing files in {directory} kept changing while read, or the key is not "
            "the certificate's; restore a matching signer.pem and signer.key.pem."
        )

    def cache_clear(self) -> None:
        self._items.clear()


load_signing_identity = _Cache()


def use_timestamp_authority(url: str) -> None:
    """Make `url` (RFC 3161, "" for none) the timestamp authority of identities this process
    loads. Django processes set it from settings; stamping pool children at start."""
    load_signing_identity.tsa_url = url
