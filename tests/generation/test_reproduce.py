import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from generation.engines import GenerationRequest
from generation.models import Piece
from generation.services.engines import configured_engine
from provenance.models import ProvenanceRecord
from provenance.services.records import provenance_record_created, provenance_stamp_image
from tests.provenance.factories import FinishedJobFactory
from tests.provenance.fixtures import provenance_settings  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def engine():
    return configured_engine("embedded")


@pytest.fixture
def generated_piece(creator, engine):
    """Generated and stored exactly as the worker does (256×256, 2 steps to stay fast)."""
    job = FinishedJobFactory(
        owner=creator,
        prompt="a quiet harbour at dusk, oil painting",
        seed=77,
        width=256,
        height=256,
        steps=2,
        engine=engine.name,
        engine_version=engine.version,
    )
    request = GenerationRequest(
        prompt=job.prompt,
        seed=job.image_seed(0),
        negative_prompt=job.negative_prompt,
        width=256,
        height=256,
        steps=2,
    )
    image = engine.generate([request])[0]
    stamped = provenance_stamp_image(
        image=image,
        piece_id=uuid.uuid4(),
        creator_name=creator.public_name,
        engine=engine.describe(),
    )
    piece = Piece.objects.create(
        id=stamped.piece_id,
        job=job,
        index=0,
        owner=creator,
        seed=request.seed,
        width=256,
        height=256,
        original=ContentFile(stamped.original_png, name=stamped.original_name),
        preview=ContentFile(stamped.preview_bytes, name=stamped.preview_name),
        sha256=stamped.sha256,
    )
    provenance_record_created(piece=piece, stamped=stamped)
    return piece


def test_reproduce_matches_for_the_embedded_engine(generated_piece, capsys):
    call_command("reproduce", str(generated_piece.id))
    out = capsys.readouterr().out
    record = ProvenanceRecord.objects.get(piece=generated_piece)
    assert f"reproduced sha256:      {record.output_sha256}" in out
    assert "marked pixels match:    True" in out
    assert "mean abs pixel diff:    0.0000" in out
    assert "Match: identical pixels." in out


def test_reproduce_reports_a_mismatch(generated_piece):
    ProvenanceRecord.objects.filter(piece=generated_piece).update(seed=78)
    with pytest.raises(CommandError, match="Mismatch"):
        call_command("reproduce", str(generated_piece.id))


def test_reproduce_unknown_piece():
    with pytest.raises(CommandError, match="No provenance record"):
        call_command("reproduce", str(uuid.uuid4()))
