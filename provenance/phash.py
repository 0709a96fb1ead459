"""Perceptual hashes (imagehash pHash, 64 bits) as signed integers, split for indexing.

Multi-index hashing: the 64-bit hash is cut into four 16-bit chunks stored in indexed
columns. If two hashes differ in at most 4·r + 3 bits, then by pigeonhole at least one of
their four chunks differs in at most r bits. So probing every chunk value within Hamming
radius r of the query's chunks (1 value for r = 0, 17 for r = 1, 137 for r = 2) finds every
hash within distance 4·r + 3, using only index lookups; candidates are then filtered by the
exact 64-bit distance.
"""

from __future__ import annotations

import hashlib
import itertools

import imagehash
import numpy as np
from PIL import Image

CHUNKS = 4
CHUNK_BITS = 16
_MASK64 = (1 << 64) - 1


def to_signed(value: int) -> int:
    """Unsigned 64-bit → signed (fits a BIGINT column)."""
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value & _MASK64


def phash_int(image: Image.Image) -> int:
    """imagehash.phash of `image` as a signed 64-bit integer."""
    bits = imagehash.phash(image.convert("RGB")).hash.flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return to_signed(value)


def phash_hex(value: int) -> str:
    return f"{to_unsigned(value):016x}"


def chunks(value: int) -> tuple[int, ...]:
    """Four 16-bit chunks, most significant first."""
    value = to_unsigned(value)
    return tuple((value >> (CHUNK_BITS * (CHUNKS - 1 - i))) & 0xFFFF for i in range(CHUNKS))


def distance(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def chunk_radius(max_distance: int) -> int:
    """Per-chunk probe radius that guarantees completeness up to `max_distance`."""
    if max_distance < 0:
        raise ValueError("max_distance must be >= 0")
    return max_distance // CHUNKS


def guaranteed_radius(chunk_probe_radius: int) -> int:
    return CHUNKS * chunk_probe_radius + CHUNKS - 1


def neighbours(chunk: int, radius: int) -> list[int]:
    """All 16-bit values within Hamming `radius` of `chunk` (including itself)."""
    values = [chunk]
    for r in range(1, radius + 1):
        for positions in itertools.combinations(range(CHUNK_BITS), r):
            value = chunk
            for p in positions:
                value ^= 1 << p
            values.append(value)
    return values


def probes(value: int, max_distance: int) -> list[list[int]]:
    """For each chunk column, the values to look up to find all hashes within max_distance."""
    radius = chunk_radius(max_distance)
    return [neighbours(c, radius) for c in chunks(value)]


def distances(query: int, values: np.ndarray) -> np.ndarray:
    """Vectorised popcount distance from `query` to an int64 array of hashes."""
    x = np.bitwise_xor(values.astype(np.int64), np.int64(to_signed(query))).view(np.uint64)
    count = np.zeros(x.shape, dtype=np.uint64)
    for shift in range(0, 64, 8):
        count += _POP8[(x >> np.uint64(shift)) & np.uint64(0xFF)]
    return count.astype(np.int64)


_POP8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint64)


def pixel_sha256(image: Image.Image) -> str:
    """sha256 over "WxH:" + the RGB pixel bytes: identical pixels, whatever the file format."""
    return pixels_sha256(np.asarray(image.convert("RGB")))


def pixels_sha256(pixels: np.ndarray) -> str:
    """`pixel_sha256` of an (H, W, 3) uint8 RGB array, hashed in place (no copy)."""
    height, width = pixels.shape[:2]
    digest = hashlib.sha256(f"{width}x{height}:".encode())
    digest.update(np.ascontiguousarray(pixels, dtype=np.uint8).data)
    return digest.hexdigest()
