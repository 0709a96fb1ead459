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
    index = kp.KeypointIndex()
    for seed in range(100, 160):
        index.add(("other", seed), kp.extract(art(seed, (256, 256))))
    target = renders[3]
    index.add("target", kp.extract(target))
    assert "target" in index.candidates(kp.extract_both(crop(ImageOps.mirror(target), 0.6)))

    late = renders[4]
    index.add("late", kp.extract(late))
    assert index.candidates(kp.extract_both(late.rotate(5)))[0] == "late"
    assert len(index) == 62 and index.postings > 0


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
