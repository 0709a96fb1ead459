"""Keypoint fingerprints (provenance.keypoints) and the lookup that uses them: a piece is
found from mirrored, rotated, cropped, bordered and recoloured copies; unrelated and flat
pictures match nothing; the per-process index picks up pieces stamped after it loaded."""

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from generation.engines.base import GenerationRequest
from generation.engines.embedded.engine import EmbeddedEngine
from provenance import keypoints as kp
from provenance.models import KeypointFingerprint
from provenance.selectors import keypoints as keypoints_selectors
from provenance.selectors.keypoints import keypoint_search
from tests.provenance.factories import art, stamped_piece


@pytest.fixture(scope="module")
def renders() -> list[Image.Image]:
    """Pictures as the product makes them (the embedded engine), not drawn test shapes."""
    engine = EmbeddedEngine(use_embedding=False)
    prompts = ("a lighthouse at dusk", "a red fox in snow", "city skyline at night")
    requests = [
        GenerationRequest(prompt=f"{p}, study {i}", seed=i, steps=engine.default_steps)
        for i, p in enumerate(prompts * 2)
    ]
    return engine.generate(requests)


def jpeg(image: Image.Image, quality: int = 60) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def crop(image: Image.Image, keep: float) -> Image.Image:
    width, height = image.size
    w, h = int(width * keep**0.5), int(height * keep**0.5)
    return image.crop((0, 0, w, h))


REPOSTS = {
    "mirror": ImageOps.mirror,
    "rotate 10": lambda im: im.rotate(10, expand=True, fillcolor=(0, 0, 0)),
    "crop 60%": lambda im: crop(im, 0.6),
    "border": lambda im: ImageOps.expand(im, 40, "white"),
    "greyscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "darker": lambda im: ImageEnhance.Brightness(im).enhance(0.6),
    "small jpeg": lambda im: jpeg(im.resize((256, 256)), 40),
    "everything": lambda im: jpeg(ImageOps.mirror(crop(im, 0.7)).rotate(-7, expand=True), 50),
}


def test_bytes_round_trip():
    original = kp.extract(art(3))
    again = kp.Keypoints.from_bytes(original.to_bytes())
    assert len(again) == len(original) > 100
    assert np.array_equal(again.descriptors, original.descriptors)
    assert np.allclose(again.points, original.points, atol=0.25)  # stored as float16


def test_flat_and_tiny_pictures_have_no_keypoints_to_match():
    flat = kp.extract(Image.new("RGB", (512, 512), (90, 140, 200)))
    assert len(flat) == 0
    assert kp.agreeing_matches(flat, kp.extract(art(4))) == 0
    assert len(kp.extract(Image.new("RGB", (4, 4), (1, 2, 3)))) < 8


@pytest.mark.parametrize("repost", REPOSTS)
def test_a_reposted_copy_agrees_with_its_piece_and_not_with_others(repost, renders):
    pieces = renders[:3]
    stored = [kp.extract(image) for image in pieces]
    query = kp.extract_both(REPOSTS[repost](pieces[0]))

    scores = [kp.best_agreement(query, reference) for reference in stored]

    assert scores[0] >= kp.MIN_INLIERS
    assert max(scores[1:]) < kp.MIN_INLIERS
    assert kp.confidence(scores[0]) >= 0.5 > kp.confidence(max(scores[1:]))


def test_the_index_ranks_the_piece_among_many_and_takes_later_additions(renders):
    index, indexed = kp.KeypointIndex(), 0
    for seed in range(100, 160):
        keypoints = kp.extract(art(seed, (256, 256)))
        index.add(("other", seed), keypoints)
        indexed += min(len(keypoints), kp.INDEXED)
    target = renders[3]
    index.add("target", kp.extract(target))
    assert "target" in index.candidates(kp.extract_both(crop(ImageOps.mirror(target), 0.6)))

    late = renders[4]
    index.add("late", kp.extract(late))
    assert index.candidates(kp.extract_both(late.rotate(5)))[0] == "late"
    assert len(index) == 62 and index.postings == indexed + 2 * kp.INDEXED


def test_a_big_catalogue_gets_an_inverted_file_and_a_grown_one_a_new_index(monkeypatch, renders):
    monkeypatch.setattr(kp, "EXACT_UP_TO", 4000)  # so a few dozen pieces count as big
    index = kp.KeypointIndex()
    for seed in range(200, 240):
        index.add(("other", seed), kp.extract(art(seed, (256, 256))))
    for number, image in enumerate(renders[:4]):
        index.add(number, kp.extract(image))
    query = kp.extract_both(crop(ImageOps.mirror(renders[2]), 0.6))

    assert index.candidates(query)[0] == 2
    assert type(index._index).__name__ == "IndexBinaryIVF"
    built, more = index.postings, kp.extract(renders[5])
    while index.postings + kp.INDEXED <= 4 * built:
        index.add("more", more)
    assert not index.outgrown
    index.add("more", more)
    assert index.outgrown


@pytest.mark.django_db
def test_the_lookup_rebuilds_an_outgrown_index_from_the_stored_rows(monkeypatch, creator, renders):
    monkeypatch.setattr(kp, "EXACT_UP_TO", 1000)
    first, record, _ = stamped_piece(owner=creator, image=renders[0])
    assert keypoint_search(query=kp.extract_both(renders[0]))[0][0] == first.pk
    for image in renders[1:5]:  # 4 × the first piece's descriptors: outgrown
        stamped_piece(owner=creator, image=image)
    assert keypoint_search(query=kp.extract_both(ImageOps.mirror(renders[3])))
    rebuilt = keypoints_selectors._process_index.index
    assert len(rebuilt) == 5 and type(rebuilt._index).__name__ == "IndexBinaryIVF"


@pytest.mark.django_db
def test_stamping_stores_keypoints_and_the_lookup_finds_a_reposted_copy(creator, renders):
    piece, record, stamped = stamped_piece(owner=creator, image=renders[0])
    other, _, _ = stamped_piece(owner=creator, image=renders[1])
    stored = KeypointFingerprint.objects.get(piece=piece)
    assert stored.count == len(kp.Keypoints.from_bytes(bytes(stored.data))) > 100

    with piece.original.open("rb") as handle:
        original = Image.open(handle).convert("RGB")
    found = keypoint_search(query=kp.extract_both(REPOSTS["everything"](original)))

    assert found and found[0][0] == record.piece_id
    assert kp.confidence(found[0][1]) >= 0.5
    assert other.pk not in [piece_id for piece_id, _ in found]


@pytest.mark.django_db
def test_unrelated_pictures_match_nothing_and_new_pieces_are_found_next_time(creator, renders):
    stamped_piece(owner=creator, image=renders[2])
    for picture in (renders[5], art(999), Image.new("RGB", (300, 200), "white")):
        assert keypoint_search(query=kp.extract_both(picture)) == []

    later, record, _ = stamped_piece(owner=creator, image=renders[3])
    with later.original.open("rb") as handle:
        copy = ImageOps.mirror(Image.open(handle).convert("RGB"))
    assert keypoint_search(query=kp.extract_both(copy))[0][0] == record.piece_id


def test_many_query_keypoints_on_one_reference_point_count_once():
    """One corner at several pyramid levels (or a repeated shape) matching one reference
    point fits any transform through it: it must not add up to a match."""
    rng = np.random.default_rng(3)
    reference = kp.Keypoints(
        rng.uniform(0, kp.SIDE, (400, 2)).astype(np.float32),
        rng.integers(0, 256, (400, 32), dtype=np.uint8),
    )
    chosen = [5, 50, 150]  # three reference points, each matched by 15 query keypoints
    points, descriptors = [], []
    for number in chosen:
        for copy in range(15):
            bits = np.unpackbits(reference.descriptors[number])
            bits[copy] ^= 1  # a near copy: its nearest reference descriptor is `number`
            descriptors.append(np.packbits(bits))
            points.append(reference.points[number] * 0.5 + 20)  # one similarity for all
    query = kp.Keypoints(np.float32(points), np.array(descriptors, np.uint8))

    assert kp.agreeing_matches(query, reference) == 0
