import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.management import call_command
from django.core.management.base import CommandError

from generation.services import stampers
from provenance import c2pa_manifest, identity, signing


def test_init_signing_creates_a_ca_and_a_p256_leaf(tmp_path, capsys):
    directory = tmp_path / "signing"
    call_command("init_signing", "--dir", str(directory))

    assert "Created signing identity" in capsys.readouterr().out
    assert stat.S_IMODE((directory / "signer.key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((directory / "root-ca.key.pem").stat().st_mode) == 0o600
    leaf, root = x509.load_pem_x509_certificates((directory / "signer.pem").read_bytes())
    assert root.subject == leaf.issuer
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    assert leaf.public_key().curve.name == "secp256r1"

    root_bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert root_bc.critical and root_bc.value.ca
    root_ku = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert root_ku.key_cert_sign and root_ku.crl_sign
    leaf_bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert leaf_bc.critical and not leaf_bc.value.ca
    leaf_ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert leaf_ku.critical and leaf_ku.value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert lifetime.days >= 19 * 365
    leaf.verify_directly_issued_by(root)


def test_init_signing_is_idempotent_and_never_overwrites(tmp_path, capsys):
    directory = tmp_path / "signing"
    call_command("init_signing", "--dir", str(directory))
    before = {p.name: p.read_bytes() for p in directory.iterdir()}

    call_command("init_signing", "--dir", str(directory))

    assert "Kept existing signing identity" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before


def test_partial_identity_is_refused_not_replaced(tmp_path):
    directory = tmp_path / "signing"
    signing.init_signing_identity(directory)
    (directory / "signer.key.pem").unlink()
    chain = (directory / "signer.pem").read_bytes()

    with pytest.raises(CommandError, match="only part of a signing identity"):
        call_command("init_signing", "--dir", str(directory))

    assert not (directory / "signer.key.pem").exists()
    assert (directory / "signer.pem").read_bytes() == chain


def test_uses_settings_directory(settings, tmp_path):
    settings.PROVENANCE_SIGNING_DIR = tmp_path / "from-settings"
    directory, created = signing.init_signing_identity()
    assert created and directory == tmp_path / "from-settings"
    assert signing.load_signing_identity().directory == directory


def test_missing_identity_says_how_to_fix(tmp_path):
    with pytest.raises(signing.SigningIdentityMissing, match="init_signing"):
        signing.load_signing_identity(tmp_path / "nothing-here")


@pytest.mark.django_db
def test_stamping_creates_the_identity_only_when_allowed(settings, tmp_path):
    import uuid

    from provenance.services.records import provenance_stamp_image
    from tests.provenance.factories import ENGINE, art

    settings.PROVENANCE_SIGNING_DIR = tmp_path / "auto"
    settings.PROVENANCE_SIGNING_AUTO_INIT = False
    with pytest.raises(signing.SigningIdentityMissing):
        provenance_stamp_image(image=art(1), piece_id=uuid.uuid4(), creator_name="A", engine=ENGINE)
    assert not (tmp_path / "auto").exists()

    settings.PROVENANCE_SIGNING_AUTO_INIT = True
    stamped = provenance_stamp_image(
        image=art(1), piece_id=uuid.uuid4(), creator_name="A", engine=ENGINE
    )
    assert stamped.signer_fingerprint == signing.load_signing_identity().fingerprint
    assert (tmp_path / "auto" / "signer.key.pem").exists()


class _SignerInfos:
    """Records the C2paSignerInfo each new c2pa Signer is made from (nothing is signed)."""

    def __init__(self, monkeypatch):
        self.infos = []
        monkeypatch.setattr(c2pa_manifest.c2pa.Signer, "from_info", self._from_info)

    def _from_info(self, info):
        self.infos.append(info)
        return object()


@pytest.fixture
def process_authority(monkeypatch):
    """Restore this process's timestamp authority after the test (it outlives settings)."""
    monkeypatch.setattr(identity.load_signing_identity, "tsa_url", "")


def test_a_configured_timestamp_authority_reaches_the_signer(
    settings, monkeypatch, process_authority
):
    recorded = _SignerInfos(monkeypatch)
    cache = c2pa_manifest._SignerCache()
    settings.PROVENANCE_TSA_URL = ""
    plain = signing.load_signing_identity()
    settings.PROVENANCE_TSA_URL = "https://tsa.example.test/rfc3161"
    stamped = signing.load_signing_identity()

    assert plain.tsa_url == "" and stamped.tsa_url == "https://tsa.example.test/rfc3161"
    assert stamped.chain_pem == plain.chain_pem
    assert cache.get(plain) is not cache.get(stamped)  # the cache keys on the authority
    assert cache.get(stamped) is cache.get(stamped)
    assert [info.ta_url for info in recorded.infos] == [
        None,
        b"https://tsa.example.test/rfc3161",
    ]


def test_stamping_by_directory_alone_uses_the_configured_authority(
    settings, signing_root, process_authority
):
    settings.PROVENANCE_TSA_URL = "http://tsa.example.test"
    signing.load_signing_identity()  # what provenance_stamp_order does first

    assert identity.load_signing_identity(signing_root).tsa_url == "http://tsa.example.test"

    settings.PROVENANCE_TSA_URL = ""
    signing.load_signing_identity()
    assert identity.load_signing_identity(signing_root).tsa_url == ""


def test_a_stamping_child_starts_with_the_parents_authority(monkeypatch, process_authority):
    niceness = []
    monkeypatch.setattr(stampers.os, "nice", niceness.append)

    stampers._start_child(10, "https://tsa.example.test/")

    assert niceness == [10]
    assert identity.load_signing_identity.tsa_url == "https://tsa.example.test/"
