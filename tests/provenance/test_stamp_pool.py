"""`stamp_image` in a fresh spawned process (no Django there) records and verifies like inline."""

import io
import multiprocessing
import pickle
import uuid
from concurrent.futures import ProcessPoolExecutor

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from generation.models import Piece
from provenance import c2pa_manifest, signing, watermark
from provenance.models import LedgerEntry
from provenance.services.records import provenance_record_created, provenance_stamp_order
from provenance.stamp import stamp_image
from tests.provenance.factories import ENGINE, FinishedJobFactory, art
from tests.provenance.pool_child import stamp_without_django

pytestmark = pytest.mark.django_db


def record(stamped):
    job = FinishedJobFactory()
    piece = Piece.objects.create(
        id=stamped.piece_id,
        job=job,
        index=0,
        owner=job.owner,
        seed=job.image_seed(0),
        width=512,
        height=512,
        original=ContentFile(stamped.original_png, name=stamped.original_name),
        preview=ContentFile(stamped.preview_bytes, name=stamped.preview_name),
        sha256=stamped.sha256,
    )
    return provenance_record_created(piece=piece, stamped=stamped)


def test_spawned_child_stamps_without_django_like_inline(signing_root):
    image = art(11)
    order = provenance_stamp_order(piece_id=uuid.uuid4(), creator_name="Ada", engine=ENGINE)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        child, django_loaded = pool.submit(stamp_without_django, order, image).result(timeout=120)
    inline = stamp_image(order, image)

    assert django_loaded is False
    assert (child.pixel_sha256, child.output_sha256, child.phash) == (
        inline.pixel_sha256,
        inline.output_sha256,
        inline.phash,
    )
    assert child.signer_fingerprint == inline.signer_fingerprint
    root = signing.load_signing_identity(signing_root).root_pem
    status = c2pa_manifest.read(child.original_png, mime_type="image/png", trust_root_pem=root)
    assert status.state == "Trusted"
    assert status.label == child.manifest_id
    assert status.assertion["pixel_sha256"] == child.pixel_sha256
    assert status.assertion["watermark"]["id"] == order.watermark_id
    preview = c2pa_manifest.read(child.preview_bytes, mime_type="image/jpeg")
    assert (preview.state, preview.label) == ("Valid", child.preview_manifest_id)
    for data in (child.original_png, child.preview_bytes):
        assert watermark.decode(Image.open(io.BytesIO(data))).value == order.watermark_id

    saved = record(child)

    assert (saved.sha256, saved.pixel_sha256) == (child.sha256, child.pixel_sha256)
    assert (saved.watermark_id, saved.c2pa_manifest_id) == (order.watermark_id, child.manifest_id)
    assert saved.ledger_anchor == order.ledger_anchor
    entry = LedgerEntry.objects.get(piece_id=child.piece_id)
    assert entry.data["c2pa_manifest_id"] == child.manifest_id


def test_order_pickles_and_carries_the_database_decisions(settings):
    order = provenance_stamp_order(piece_id=uuid.uuid4(), creator_name="Ada", engine=ENGINE)

    assert pickle.loads(pickle.dumps(order)) == order
    assert order.piece_url == f"https://promptfolio.test/verify/{order.piece_id}/"
    assert order.signing_dir == str(settings.PROVENANCE_SIGNING_DIR)
    assert order.engine == ENGINE
