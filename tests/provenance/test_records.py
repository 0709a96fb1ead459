import uuid

import pytest
from django.core.files.base import ContentFile

from core.errors import ApplicationError
from generation.models import Piece
from provenance.models import LedgerEntry, PhashIndex, ProvenanceRecord
from provenance.services.records import (
    WatermarkCollision,
    provenance_record_created,
    provenance_set_prompt_public,
    provenance_stamp_image,
)
from tests.provenance.factories import ENGINE, FinishedJobFactory, art, stamped_piece

pytestmark = pytest.mark.django_db


def test_record_copies_the_job_and_stamp(creator):
    piece, record, stamped = stamped_piece(owner=creator, seed=51)
    job = piece.job
    assert record.creator == creator
    assert record.creator_name == creator.public_name
    assert (record.prompt, record.negative_prompt) == (job.prompt, job.negative_prompt)
    assert (record.seed, record.steps, record.width, record.height) == (
        piece.seed,
        job.steps,
        512,
        512,
    )
    assert (record.engine_name, record.engine_version, record.engine_weights_hash) == (
        "embedded",
        "test",
        ENGINE["weights_hash"],
    )
    assert record.job_id == job.id
    assert record.prompt_public is False
    assert record.watermark_id == stamped.watermark_id
    assert PhashIndex.objects.get(piece=piece).phash == stamped.phash


def test_recording_twice_is_idempotent(creator):
    piece, record, stamped = stamped_piece(owner=creator, seed=52)
    again = provenance_record_created(piece=piece, stamped=stamped)
    assert again.pk == record.pk
    assert LedgerEntry.objects.filter(piece=piece).count() == 1
    assert PhashIndex.objects.filter(piece=piece).count() == 1


def _piece_for(stamped, job):
    return Piece.objects.create(
        id=stamped.piece_id,
        job=job,
        index=job.pieces.count(),
        owner=job.owner,
        seed=1,
        width=512,
        height=512,
        original=ContentFile(stamped.original_png, name=stamped.original_name),
        preview=ContentFile(stamped.preview_bytes, name=stamped.preview_name),
        sha256=stamped.sha256,
    )


def test_mismatched_stamp_is_refused(creator):
    job = FinishedJobFactory(owner=creator)
    stamped = provenance_stamp_image(
        image=art(1), piece_id=uuid.uuid4(), creator_name="x", engine=ENGINE
    )
    other = provenance_stamp_image(
        image=art(2), piece_id=uuid.uuid4(), creator_name="x", engine=ENGINE
    )
    piece = _piece_for(stamped, job)
    with pytest.raises(ApplicationError, match="another piece"):
        provenance_record_created(piece=piece, stamped=other)
    assert not ProvenanceRecord.objects.exists()


def test_watermark_collision_asks_for_a_new_stamp(creator, monkeypatch):
    _, first, _ = stamped_piece(owner=creator, seed=53)
    monkeypatch.setattr(
        "provenance.services.records.watermark_id_allocate", lambda: first.watermark_id
    )
    job = FinishedJobFactory(owner=creator)
    stamped = provenance_stamp_image(
        image=art(3), piece_id=uuid.uuid4(), creator_name="x", engine=ENGINE
    )
    piece = _piece_for(stamped, job)
    with pytest.raises(WatermarkCollision):
        provenance_record_created(piece=piece, stamped=stamped)
    assert not LedgerEntry.objects.filter(piece=piece).exists()
    assert not PhashIndex.objects.filter(piece=piece).exists()


def test_only_the_creator_can_publish_the_prompt(creator, buyer):
    _, record, _ = stamped_piece(owner=creator, seed=54)
    with pytest.raises(ApplicationError):
        provenance_set_prompt_public(record=record, actor=buyer, public=True)
    provenance_set_prompt_public(record=record, actor=creator, public=True)
    record.refresh_from_db()
    assert record.prompt_public is True
