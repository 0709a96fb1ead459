"""32-bit invisible watermark with the dwtDctSvd method of `invisible-watermark`, in numpy.

The algorithm is the library's (`imwatermark.dwtDctSvd`): YUV → one-level Haar DWT of a
chroma channel → 4×4 blocks of the LL band → quantise each block's largest singular value
so that `s0 mod scale` lands at 1/4 (bit 0) or 3/4 (bit 1) of the step; bit i of the
payload goes to every block whose row-major index ≡ i (mod 32). The DCT in the library's
name does not change singular values (it is orthonormal), so it is skipped here.

Why not call the library directly: it imports torch at import time, loops in Python
(~70 ms per 512² image), and writes floats into a uint8 array, which wraps bright pixels to
black. This version is vectorised, clips instead of wrapping, and stays bit-compatible:
tests decode our marks with the library's own decoder. It computes only what the mark
needs (~5 ms per 512² image): the U plane in float32, the largest singular triplet of each
block (power iteration, exact eigh fallback; not a full SVD), and the G and B change that
a U change with Y and V fixed implies.

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


# U = 0.492 (B - Y) + 128 with Y = 0.299 R + 0.587 G + 0.114 B (the library's YUV).
_U_FROM_RGB = np.array([-0.492 * 0.299, -0.492 * 0.587, 0.492 * (1 - 0.114)], np.float32)
# Moving U by d with Y and V fixed moves B by d / 0.492 and G by -0.114 d / (0.587 · 0.492).
_RGB_PER_U = (np.float32(0.0), np.float32(-0.114 / (0.587 * 0.492)), np.float32(1 / 0.492))
_POWER_STEPS = 4
_POWER_TOLERANCE = 1e-7


def _u_channel(rgb: np.ndarray) -> np.ndarray:
    """The U plane (float32) of an (H, W, 3) RGB array: the only channel the mark touches."""
    return rgb.astype(np.float32) @ _U_FROM_RGB + np.float32(128.0)


def _blocks(ll: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    rows, cols = ll.shape[0] // BLOCK, ll.shape[1] // BLOCK
    view = ll[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK)
    return view.transpose(0, 2, 1, 3).reshape(-1, BLOCK, BLOCK), (rows, cols)


def _haar_ll(channel: np.ndarray) -> np.ndarray:
    """LL band of a one-level orthonormal Haar DWT (what pywt.dwt2(..., 'haar')[0] gives)."""
    height, width = (channel.shape[0] // 2) * 2, (channel.shape[1] // 2) * 2
    channel = channel[:height, :width]
    return (
        channel[0::2, 0::2] + channel[0::2, 1::2] + channel[1::2, 0::2] + channel[1::2, 1::2]
    ) / 2.0


def _top_triplet(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u0, s0, v0) of each 4×4 block: the largest singular triplet only, ~6× faster than
    np.linalg.svd. Power iteration on BᵀB from (1,1,1,1)/2 (U blocks are near-constant and
    positive, so s1/s0 is small and a few steps reach float64 precision); a block whose
    residual stays above tolerance gets the exact np.linalg.eigh answer instead."""
    b = blocks.astype(np.float64)
    gram = np.matmul(b.transpose(0, 2, 1), b)
    v = np.full((len(b), BLOCK, 1), 0.5)
    for _ in range(_POWER_STEPS):
        v = np.matmul(gram, v)
        v /= np.sqrt((v * v).sum(axis=1, keepdims=True))
    gv = np.matmul(gram, v)
    eigenvalue = (v * gv).sum(axis=1)
    residual = np.sqrt(((gv - eigenvalue[:, None] * v) ** 2).sum(axis=1))
    slow = (residual > _POWER_TOLERANCE * eigenvalue)[:, 0]
    if slow.any():
        v[slow] = np.linalg.eigh(gram[slow])[1][:, :, -1:]
    bv = np.matmul(b, v)
    s0 = np.sqrt((bv * bv).sum(axis=1))
    return bv / s0[:, None], s0[:, 0], v


def _mark_delta(u_plane: np.ndarray, value: int) -> np.ndarray:
    """The change to the U plane that carries `value`, same shape as `u_plane` (float32)."""
    height, width = (u_plane.shape[0] // 4) * 4, (u_plane.shape[1] // 4) * 4
    ll = _haar_ll(u_plane[:height, :width])
    blocks, (rows, cols) = _blocks(ll)
    u0, s0, v0 = _top_triplet(blocks)
    bits = id_to_bits(value)[np.arange(len(blocks)) % BITS]
    target = (np.floor(s0 / SCALE) + 0.25 + 0.5 * bits) * SCALE
    delta_blocks = (target - s0)[:, None, None] * np.matmul(u0, v0.transpose(0, 2, 1))
    delta_ll = np.zeros(ll.shape, np.float32)
    delta_ll[: rows * BLOCK, : cols * BLOCK] = (
        delta_blocks.reshape(rows, cols, BLOCK, BLOCK)
        .transpose(0, 2, 1, 3)
        .reshape(rows * BLOCK, cols * BLOCK)
    )
    # Changing LL by d while keeping the detail bands moves each of its 4 pixels by d / 2.
    delta = np.zeros(u_plane.shape, np.float32)
    delta[:height, :width] = np.repeat(np.repeat(delta_ll / 2.0, 2, axis=0), 2, axis=1)
    return delta


def _resize_plane(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(image.resize(size, Image.Resampling.BICUBIC))


def embed_array(rgb: np.ndarray, value: int) -> np.ndarray:
    """Mark an (H, W, 3) uint8 RGB array with `value` (32 bits); returns a new uint8 array.

    At 512×512 the mark is computed in place; other sizes compute it on a 512×512 LANCZOS
    resampling and resize the U change back (resizing is linear, so one plane suffices).
    """
    height, width = rgb.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ValueError(f"Images smaller than {MIN_SIDE}px on a side cannot be watermarked.")
    if (width, height) == (CANONICAL, CANONICAL):
        delta = _mark_delta(_u_channel(rgb), value)
    else:
        small = Image.fromarray(rgb, mode="RGB").resize((CANONICAL, CANONICAL), Image.LANCZOS)
        delta = _resize_plane(_mark_delta(_u_channel(np.asarray(small)), value), (width, height))
    marked = rgb.copy()
    for channel in (1, 2):  # R does not depend on U
        values = rgb[..., channel] + delta * _RGB_PER_U[channel]
        marked[..., channel] = np.clip(np.rint(values, out=values), 0, 255, out=values)
    return marked


def embed(image: Image.Image, value: int) -> Image.Image:
    """Return an RGB copy of `image` carrying `value` (32 bits) invisibly."""
    rgb = np.asarray(image.convert("RGB"))
    return Image.fromarray(embed_array(rgb, value), mode="RGB")


def decode(image: Image.Image) -> WatermarkReading:
    """Read the 32-bit payload (after resizing to 512×512, as it was embedded)."""
    image = image.convert("RGB")
    if image.size != (CANONICAL, CANONICAL):
        image = image.resize((CANONICAL, CANONICAL), Image.LANCZOS)
    blocks, _ = _blocks(_haar_ll(_u_channel(np.asarray(image))))
    s0 = _top_triplet(blocks)[1]
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
