"""Key rotation (`manage.py rotate_signing`): pieces signed before it still verify Trusted."""

import stat
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from provenance import c2pa_manifest, identity, rotation, signing
from provenance.selectors.records import provenance_manifest_status
from tests.provenance.factories import stamped_piece


@pytest.fixture
def keys(settings, tmp_path):
    """A signing identity of this test's own (rotating the session's would leak)."""
    directory = tmp_path / "signing"
    signing.init_signing_identity(directory)
    settings.PROVENANCE_SIGNING_DIR = directory
    return directory


def _status(record) -> c2pa_manifest.ManifestStatus:
    cache.clear()  # the status is cached per file sha256
    return provenance_manifest_status(record=record)


@pytest.mark.django_db
def test_a_piece_signed_before_a_rotation_still_verifies(keys, capsys):
    _, before, stamped_before = stamped_piece(seed=1)
    old_leaf = (keys / "signer.pem").read_bytes()
    old_key = (keys / "signer.key.pem").read_bytes()
    root = (keys / "root-ca.pem").read_bytes()

    call_command("rotate_signing")
    _, after, stamped_after = stamped_piece(seed=2)

    assert _status(before).state == "Trusted"
    assert _status(after).state == "Trusted"
    assert stamped_after.signer_fingerprint != stamped_before.signer_fingerprint
    assert stamped_after.signer_fingerprint == signing.load_signing_identity().fingerprint
    retired = keys / "retired" / stamped_before.signer_fingerprint
    assert (retired / "signer.pem").read_bytes() == old_leaf
    assert (retired / "signer.key.pem").read_bytes() == old_key
    assert stat.S_IMODE((retired / "signer.key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((keys / "signer.key.pem").stat().st_mode) == 0o600
    assert (keys / "root-ca.pem").read_bytes() == root
    assert not (keys / "trust").exists()
    leaf, issuer = x509.load_pem_x509_certificates((keys / "signer.pem").read_bytes())
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(root))
    assert issuer == x509.load_pem_x509_certificate(root)
    assert sorted(p.name for p in keys.iterdir()) == [
        "retired",
        "root-ca.key.pem",
        "root-ca.pem",
        "signer.key.pem",
        "signer.pem",
    ]
    assert f"sha256 {stamped_before.signer_fingerprint}" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_new_root_keeps_the_old_one_trusted(keys, tmp_path):
    _, before, stamped_before = stamped_piece(seed=1)
    old_root = (keys / "root-ca.pem").read_bytes()
    old_root_key = (keys / "root-ca.key.pem").read_bytes()

    call_command("rotate_signing", "--new-root")
    _, after, _ = stamped_piece(seed=2)

    assert _status(before).state == "Trusted"
    assert _status(after).state == "Trusted"
    assert (keys / "root-ca.pem").read_bytes() != old_root
    fingerprint = x509.load_pem_x509_certificate(old_root).fingerprint(hashes.SHA256())
    assert [p.name for p in (keys / "trust").iterdir()] == [f"{fingerprint.hex()}.pem"]
    assert (keys / "trust" / f"{fingerprint.hex()}.pem").read_bytes() == old_root
    retired = keys / "retired" / stamped_before.signer_fingerprint
    assert (retired / "root-ca.key.pem").read_bytes() == old_root_key
    assert stat.S_IMODE((retired / "root-ca.key.pem").stat().st_mode) == 0o600
    identity = signing.load_signing_identity()
    assert identity.trust_anchors_pem == identity.root_pem + old_root
    (keys / "trust" / f"{fingerprint.hex()}.pem").rename(tmp_path / "moved-away.pem")
    assert _status(before).state == "Valid"  # trusted only through trust/


@pytest.mark.django_db
def test_a_manifest_from_an_unrelated_root_is_not_trusted(keys, settings, tmp_path):
    call_command("rotate_signing", "--new-root")
    settings.PROVENANCE_SIGNING_DIR = tmp_path / "someone-else"
    _, stranger, _ = stamped_piece(seed=3)
    settings.PROVENANCE_SIGNING_DIR = keys

    status = _status(stranger)

    assert status.state == "Valid"
    assert any("signingCredential.untrusted" in failure for failure in status.failures)


def test_rotation_without_an_identity_is_refused(settings, tmp_path):
    settings.PROVENANCE_SIGNING_DIR = tmp_path / "nothing"

    with pytest.raises(CommandError, match="init_signing"):
        call_command("rotate_signing")

    assert not (tmp_path / "nothing").exists()


def test_rotation_without_the_root_key_is_refused(keys):
    (keys / "root-ca.key.pem").unlink()
    leaf = (keys / "signer.pem").read_bytes()

    with pytest.raises(CommandError, match="root key"):
        call_command("rotate_signing")

    assert (keys / "signer.pem").read_bytes() == leaf
    assert not (keys / "retired").exists()


def test_existing_retired_files_are_never_overwritten(keys):
    fingerprint = signing.load_signing_identity().fingerprint
    retired = keys / "retired" / fingerprint
    retired.mkdir(parents=True)
    (retired / "signer.key.pem").write_bytes(b"an earlier copy")
    before = {p.name: p.read_bytes() for p in keys.iterdir() if p.is_file()}

    with pytest.raises(CommandError, match="never overwritten"):
        call_command("rotate_signing")

    assert (retired / "signer.key.pem").read_bytes() == b"an earlier copy"
    assert {p.name: p.read_bytes() for p in keys.iterdir() if p.is_file()} == before
    assert signing.load_signing_identity().fingerprint == fingerprint


def test_a_loaded_identity_notices_the_rotation(keys):
    first = signing.load_signing_identity()
    assert signing.load_signing_identity() is first  # cached while the files stay

    call_command("rotate_signing")

    second = signing.load_signing_identity()
    assert second.fingerprint != first.fingerprint
    assert signing.load_signing_identity() is second


def test_a_key_that_is_not_the_leafs_is_read_again_then_refused(keys, tmp_path, monkeypatch):
    other = tmp_path / "other"
    signing.init_signing_identity(other)
    (keys / "signer.key.pem").unlink()
    (keys / "signer.key.pem").write_bytes((other / "signer.key.pem").read_bytes())
    monkeypatch.setattr("provenance.identity.time.sleep", lambda seconds: None)

    with pytest.raises(signing.SigningIdentityMissing, match="kept changing"):
        signing.load_signing_identity()


def test_readers_during_rotations_only_see_matching_pairs(keys):
    """Workers keep loading while an operator rotates: every load is a key and its leaf."""
    rotations = []

    def rotate_three_times():
        for new_root in (False, True, False):
            rotations.append(rotation.rotate_signing_identity(keys, new_root=new_root))

    rotator = threading.Thread(target=rotate_three_times)
    rotator.start()
    loads = 0
    while rotator.is_alive() or not loads:
        assert identity._matches(identity.load_signing_identity(keys))
        loads += 1
    rotator.join()

    assert len(rotations) == 3
    assert identity.load_signing_identity(keys).fingerprint == rotations[-1].new_fingerprint
    assert len(list((keys / "retired").iterdir())) == 3
