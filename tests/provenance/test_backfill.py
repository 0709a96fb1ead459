"""Pieces stamped before keypoints and ISCC codes get both from their stored original;
running it again changes nothing, and an unreadable original is reported and skipped."""

import pytest
from django.core.management import call_command
from PIL import Image

from provenance.models import KeypointFingerprint, ProvenanceRecord
from provenance.selectors.records import provenance_identify_image
from provenance.services.fingerprints import fingerprints_backfill
from tests.provenance.factories import stamped_piece

pytestmark = pytest.mark.django_db


def strip(record) -> None:
    """The record as a piece stamped before this wave has it."""
    KeypointFingerprint.objects.filter(piece_id=record.piece_id).delete()
    ProvenanceRecord.objects.filter(pk=record.pk).update(iscc_code="")


def test_old_pieces_get_keypoints_and_iscc_codes_once(creator, capsys):
    piece, record, stamped = stamped_piece(owner=creator, seed=71)
    other, other_record, _ = stamped_piece(owner=creator, seed=72)
    strip(record)
    strip(other_record)

    call_command("backfill_fingerprints")

    record.refresh_from_db()
    assert record.iscc_code == stamped.iscc_code
    stored = KeypointFingerprint.objects.get(piece=piece)
    assert bytes(stored.data) == stamped.keypoints
    assert KeypointFingerprint.objects.count() == 2
    assert "Fingerprinted 2 pieces." in capsys.readouterr().out
    assert fingerprints_backfill() == (0, [])


def test_an_unreadable_original_is_reported_and_the_rest_filled(creator):
    broken, broken_record, _ = stamped_piece(owner=creator, seed=73)
    _, fine_record, _ = stamped_piece(owner=creator, seed=74)
    strip(broken_record)
    strip(fine_record)
    broken.original.storage.delete(broken.original.name)

    filled, unreadable = fingerprints_backfill(batch=1)

    assert (filled, unreadable) == (1, [str(broken.pk)])
    fine_record.refresh_from_db()
    assert fine_record.iscc_code
    assert not KeypointFingerprint.objects.filter(piece=broken).exists()
    assert provenance_identify_image(image=_image_of(fine_record)).found


def _image_of(record):
    with record.piece.original.open("rb") as handle:
        return Image.open(handle).convert("RGB")
