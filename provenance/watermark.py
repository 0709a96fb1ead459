"""32-bit invisible watermark with the dwtDctSvd method of `invisible-watermark`, in numpy.

The algorithm is the library's (`imwatermark.dwtDctSvd`): YUV → one-level Haar DWT of a
chroma channel → 4×4 blocks of the LL band → quantise each block's largest singular value
so that `s0 mod scale` lands at 1/4 (bit 0) or 3/4 (bit 1) of the step; bit i of the
payload goes to every block whose row-major index ≡ i (mod 32). The DCT in the library's
name does not change singular values (it is orthonormal), so it is skipped here.

Why not call the library directly: it imports torch at import time, loops in Python
(~70 ms per 512² image), and writes floats into a uint8 array, which wraps bright pixels to
black. This version is vectorised (~10 ms), clips instead of wrapping, and stays
bit-compatible: tests decode our marks with the library's own decoder.

Geometry: the mark is always computed on a 512×512 resampling of the image and the
difference is resized back onto the original, so any size (original, preview, re-upload)
decodes by resizing to 512×512 first (the verified recipe).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from PIL import Image

BITS = 32
CANONICAL = 512
BLOCK = 4
SCALE = 48.0  # U-channel step; 36 (library default) lost bits under WebP/JPEG+resize here
CHANNEL = 1  # 0 = Y, 1 = U (chroma: less visible)
MIN_SIDE = 256


@dataclass(frozen=True)
class WatermarkReading:
    """A decoded payload plus per-bit confidence (0 = coin toss, 1 = every block agrees)."""

    value: int
    confidence: tuple[float, ...]

    @property
    def strength(self) -> float:
        return float(np.mean(self.confidence))

    def candidates(self, flips: int = 8) -> list[int]:
        """The decoded value, then values with the `flips` least confident bits changed.

        Ordered from most to least likely (by the summed confidence of the flipped bits),
        so a caller can look all of them up at once and keep the best-ranked hit.
        """
        order = np.argsort(self.confidence)[:flips]
        scored: list[tuple[float, int]] = []
        for r in range(len(order) + 1):
            for subset in itertools.combinations(order, r):
                value = self.value
                for bit in subset:
                    value ^= 1 << (BITS - 1 - int(bit))
                scored.append((float(sum(self.confidence[b] for b in subset)), value))
        scored.sort()
        return [value for _, value in scored]


def id_to_bits(value: int) -> np.ndarray:
    if not 0 <= value < 2**BITS:
        raise ValueError(f"Watermark id must fit in {BITS} bits; got {value}.")
    return np.array([(value >> (BITS - 1 - i)) & 1 for i in range(BITS)], dtype=np.float64)


def bits_to_id(bits) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def _rgb_to_yuv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return np.stack([y, 0.492 * (b - y) + 128.0, 0.877 * (r - y) + 128.0], axis=-1)


def _yuv_to_rgb(yuv: np.ndarray) -> np.ndarray:
    y, u, v = yuv[..., 0], yuv[..., 1] - 128.0, yuv[..., 2] - 128.0
    r = y + v / 0.877
    b = y + u / 0.492
    g = (y - 0.299 * r - 0.114 * b) / 0.587
    return np.stack([r, g, b], axis=-1)


def _blocks(ll: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    rows, cols = ll.shape[0] // BLOCK, ll.shape[1] // BLOCK
    view = ll[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK)
    return view.transpose(0, 2, 1, 3).reshape(-1, BLOCK, BLOCK), (rows, cols)


def _haar_ll(channel: np.ndarray) -> np.ndarray:
    """LL band of a one-level orthonormal Haar DWT (what pywt.dwt2(..., 'haar')[0] gives)."""
    return (
        channel[0::2, 0::2] + channel[0::2, 1::2] + channel[1::2, 0::2] + channel[1::2, 1::2]
    ) / 2.0


def _embed_array(rgb: np.ndarray, value: int) -> np.ndarray:
    """Watermark an (H, W, 3) float RGB array; returns float RGB (unclipped)."""
    height, width = (rgb.shape[0] // 4) * 4, (rgb.shape[1] // 4) * 4
    yuv = _rgb_to_yuv(rgb)
    channel = yuv[:height, :width, CHANNEL]
    ll = _haar_ll(channel)
    blocks, (rows, cols) = _blocks(ll)
    u, s, vt = np.linalg.svd(blocks)
    bits = id_to_bits(value)[np.arange(len(blocks)) % BITS]
    target = (np.floor(s[:, 0] / SCALE) + 0.25 + 0.5 * bits) * SCALE
    delta_blocks = (target - s[:, 0])[:, None, None] * (u[:, :, :1] @ vt[:, :1, :])
    delta_ll = np.zeros_like(ll)
    delta_ll[: rows * BLOCK, : cols * BLOCK] = (
        delta_blocks.reshape(rows, cols, BLOCK, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(rows * BLOCK, cols * BLOCK)
    )
    # Changing LL by d while keeping the detail bands moves each of its 4 pixels by d / 2.
    yuv[:height, :width, CHANNEL] += np.kron(delta_ll, np.ones((2, 2))) / 2.0
    return _yuv_to_rgb(yuv)


def _to_float(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def _resize_float(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    channels = [
        np.asarray(
            Image.fromarray(array[..., c].astype(np.float32), mode="F").resize(
                size, Image.Resampling.BICUBIC
            )
        )
        for c in range(array.shape[-1])
    ]
    return np.stack(channels, axis=-1).astype(np.float64)


def embed(image: Image.Image, value: int) -> Image.Image:
    """Return an RGB copy of `image` carrying `value` (32 bits) invisibly."""
    if min(image.size) < MIN_SIDE:
        raise ValueError(f"Images smaller than {MIN_SIDE}px on a side cannot be watermarked.")
    rgb = _to_float(image)
    if image.size == (CANONICAL, CANONICAL):
        marked = _embed_array(rgb, value)
    else:
        small = _to_float(image.convert("RGB").resize((CANONICAL, CANONICAL), Image.LANCZOS))
        delta = _embed_array(small, value) - small
        marked = rgb + _resize_float(delta, image.size)
    return Image.fromarray(np.clip(np.rint(marked), 0, 255).astype(np.uint8), mode="RGB")


def decode(image: Image.Image) -> WatermarkReading:
    """Read the 32-bit payload (after resizing to 512×512, as it was embedded)."""
    image = image.convert("RGB")
    if image.size != (CANONICAL, CANONICAL):
        image = image.resize((CANONICAL, CANONICAL), Image.LANCZOS)
    yuv = _rgb_to_yuv(_to_float(image))
    ll = _haar_ll(yuv[..., CHANNEL])
    blocks, _ = _blocks(ll)
    s0 = np.linalg.svd(blocks, compute_uv=False)[:, 0]
    votes = ((s0 % SCALE) > SCALE * 0.5).astype(np.float64)
    index = np.arange(len(blocks)) % BITS
    share = np.bincount(index, votes, minlength=BITS) / np.bincount(index, minlength=BITS)
    bits = share > 0.5
    confidence = tuple(float(abs(x - 0.5) * 2) for x in share)
    return WatermarkReading(value=bits_to_id(bits), confidence=confidence)


def library_decode(image: Image.Image) -> int:
    """Decode with invisible-watermark itself (imports torch/cv2: tests and audits only)."""
    from imwatermark import WatermarkDecoder  # heavy (torch, cv2): imported only here

    image = image.convert("RGB").resize((CANONICAL, CANONICAL), Image.LANCZOS)
    bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    scales = [0, 0, 0]
    scales[CHANNEL] = SCALE
    bits = WatermarkDecoder("bits", BITS).decode(bgr, "dwtDctSvd", scales=scales)
    return bits_to_id(bits)
