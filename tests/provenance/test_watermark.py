import io

import numpy as np
import pytest
from PIL import Image

from provenance import watermark
from tests.provenance.factories import art

IDS = [0, 1, 0xDEADBEEF, 2**32 - 1, 305419896]


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def psnr(a: Image.Image, b: Image.Image) -> float:
    diff = np.asarray(a, float) - np.asarray(b, float)
    return float(10 * np.log10(255**2 / np.mean(diff**2)))


@pytest.mark.parametrize("value", IDS)
def test_round_trip_through_jpeg_q80_and_resize(value):
    original = art(value % 97)
    marked = watermark.embed(original, value)

    assert psnr(original, marked) > 36  # invisible to the eye
    assert watermark.decode(marked).value == value
    assert watermark.decode(jpeg(marked, 80)).value == value
    resized = marked.resize((384, 384), Image.Resampling.LANCZOS)
    assert watermark.decode(jpeg(resized, 80)).value == value
    assert watermark.decode(marked.resize((700, 700))).value == value


@pytest.mark.parametrize("size", [(256, 256), (512, 768), (1024, 1024)])
def test_other_sizes(size):
    marked = watermark.embed(art(7, size), 0xCAFE1234)
    assert watermark.decode(jpeg(marked, 80)).value == 0xCAFE1234


def test_library_decoder_reads_our_mark():
    """Bit-compatible with invisible-watermark's own dwtDctSvd decoder."""
    pytest.importorskip("imwatermark")
    marked = watermark.embed(art(8), 0x13572468)
    assert watermark.library_decode(marked) == 0x13572468


def test_unmarked_image_reads_weakly():
    marked = watermark.embed(art(9), 42)
    assert watermark.decode(marked).strength > 0.9
    assert watermark.decode(art(9)).strength < 0.5


def test_candidates_start_with_the_reading_and_cover_weak_bits():
    reading = watermark.WatermarkReading(
        value=0b1010, confidence=tuple([1.0] * 28 + [0.9, 0.1, 0.8, 0.2])
    )
    candidates = reading.candidates(flips=2)
    assert candidates[0] == 0b1010
    assert set(candidates) == {0b1010, 0b1010 ^ 0b0100, 0b1010 ^ 0b0001, 0b1010 ^ 0b0101}
    assert candidates[1] == 0b1010 ^ 0b0100  # the least confident bit flips first


def test_rejects_too_small_or_too_wide_values():
    with pytest.raises(ValueError):
        watermark.embed(art(1, (128, 128)), 1)
    with pytest.raises(ValueError):
        watermark.embed(art(1), 2**32)


def test_top_triplet_matches_the_full_svd_also_where_power_iteration_stalls():
    rng = np.random.default_rng(5)
    near_constant = 250 + rng.normal(0, 8, (64, 4, 4))  # what U-plane blocks look like
    stalling = rng.normal(0, 1, (64, 4, 4))  # s1 close to s0: the exact fallback answers
    stalling[0] = np.diag([3.0, 3.0, 1.0, 0.5])  # a tie: any unit vector of the top pair
    blocks = np.concatenate([near_constant, stalling])

    u0, s0, v0 = watermark._top_triplet(blocks)

    expected = np.linalg.svd(blocks, compute_uv=False)[:, 0]
    assert np.allclose(s0, expected, rtol=1e-9, atol=1e-9)
    projected = np.einsum("nij,nj->ni", blocks, v0[:, :, 0])
    assert np.allclose(np.einsum("ni,ni->n", u0[:, :, 0], projected), s0, rtol=1e-9)
