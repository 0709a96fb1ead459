import io
import random

import numpy as np
import pytest
from PIL import Image

from core.errors import ApplicationError
from provenance import phash
from provenance.models import PhashIndex
from provenance.selectors.records import phash_near_duplicates
from provenance.services.records import provenance_listing_check
from tests.provenance.factories import art, stamped_piece


def flip_bits(value: int, count: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), count):
        value ^= 1 << bit
    return phash.to_signed(value)


def test_signed_round_trip_and_chunks():
    value = phash.to_signed(0xF00DFACE12345678)
    assert value < 0
    assert phash.to_unsigned(value) == 0xF00DFACE12345678
    assert phash.chunks(value) == (0xF00D, 0xFACE, 0x1234, 0x5678)
    assert phash.phash_hex(value) == "f00dface12345678"


@pytest.mark.parametrize("max_distance, guaranteed", [(3, 3), (6, 7), (7, 7), (9, 11)])
def test_probe_radius_guarantees_completeness(max_distance, guaranteed):
    """Pigeonhole: some chunk is within the probe radius for every hash this close."""
    assert phash.guaranteed_radius(phash.chunk_radius(max_distance)) == guaranteed
    rng = random.Random(max_distance)
    for _ in range(300):
        query = rng.getrandbits(64)
        other = flip_bits(query, rng.randint(0, max_distance), rng)
        probes = phash.probes(query, max_distance)
        assert any(c in p for c, p in zip(phash.chunks(other), probes, strict=True))


def test_vectorised_distances_match_popcount():
    rng = random.Random(1)
    values = [phash.to_signed(rng.getrandbits(64)) for _ in range(50)]
    query = values[0]
    expected = [phash.distance(query, v) for v in values]
    assert phash.distances(query, np.array(values, dtype=np.int64)).tolist() == expected


@pytest.mark.django_db
def test_index_finds_exactly_the_hashes_within_distance(creator, buyer):
    """Compare the indexed query with brute force over synthetic rows."""
    from generation.models import Piece
    from tests.provenance.factories import FinishedJobFactory

    rng = random.Random(7)
    base = rng.getrandbits(64)
    job = FinishedJobFactory(owner=creator)
    values = [flip_bits(base, d, rng) for d in range(0, 12)] + [
        phash.to_signed(rng.getrandbits(64)) for _ in range(30)
    ]
    for i, value in enumerate(values):
        piece = Piece.objects.create(
            job=job, index=i, owner=creator, seed=i, width=1, height=1, sha256=f"{i:064x}"
        )
        c0, c1, c2, c3 = phash.chunks(value)
        PhashIndex.objects.create(
            piece=piece, owner=creator, phash=value, c0=c0, c1=c1, c2=c2, c3=c3
        )
    for max_distance in (3, 6, 9):
        found = phash_near_duplicates(phash=base, max_distance=max_distance, limit=100)
        brute = sorted(d for v in values if (d := phash.distance(base, v)) <= max_distance)
        assert [item.distance for item in found] == brute
    assert phash_near_duplicates(phash=base, max_distance=9, exclude_owner=creator) == []


def reencode(image: Image.Image, fmt: str, **options) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **options)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.mark.django_db
def test_near_duplicates_of_a_stored_piece(creator, buyer):
    piece, record, stamped = stamped_piece(owner=creator, seed=21)
    stamped_piece(owner=creator, seed=22)  # a different picture
    original = Image.open(io.BytesIO(stamped.original_png))

    for variant in (
        reencode(original, "JPEG", quality=70),
        original.resize((300, 300), Image.Resampling.LANCZOS),
        reencode(original.resize((768, 768)), "WEBP", quality=80),
    ):
        found = phash_near_duplicates(phash=phash.phash_int(variant))
        assert [item.piece_id for item in found] == [piece.id]
        assert found[0].distance <= 4

    different = phash_near_duplicates(phash=phash.phash_int(art(99)))
    assert different == []


@pytest.mark.django_db
def test_listing_check_warns_or_blocks_on_another_creators_copy(creator, settings):
    from tests.factories import UserFactory
    from tests.provenance.factories import FinishedJobFactory

    piece, _, stamped = stamped_piece(owner=creator, seed=31)
    original = Image.open(io.BytesIO(stamped.original_png))
    copier = UserFactory(creator=True)
    copy, _, _ = stamped_piece(
        job=FinishedJobFactory(owner=copier), image=reencode(original, "JPEG", quality=75)
    )
    own_variant, _, _ = stamped_piece(owner=creator, image=reencode(original, "JPEG", quality=90))

    found = provenance_listing_check(piece=copy)
    assert {w.piece_id for w in found} == {piece.id, own_variant.id}
    assert {w.owner_id for w in found} == {creator.pk}
    # The creator's own near-copies are not a conflict; only the copier's is.
    assert [w.piece_id for w in provenance_listing_check(piece=own_variant)] == [copy.id]

    settings.PHASH_NEAR_DUPLICATE_ACTION = "block"
    with pytest.raises(ApplicationError, match="nearly identical") as caught:
        provenance_listing_check(piece=copy)
    assert caught.value.code == "near_duplicate"
