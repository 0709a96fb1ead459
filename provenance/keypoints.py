"""Keypoint fingerprints: find a piece from a cropped, mirrored, rotated or recoloured copy.

A re-posted copy keeps only its pixels, and the watermark and the pHash both assume the
copy is the whole picture the right way round. Local features do not: each piece keeps
up to FEATURES ORB keypoints (position + 256-bit descriptor) of its greyscale, contrast-
equalised picture at SIDE pixels. A query's keypoints (and its mirror image's: ORB is not
mirror-invariant) are matched against a candidate's, and the matches must agree on one
plausible similarity transform (RANSAC: rotation, uniform scale, shift, within bounds); the
number of agreeing matches is the evidence. Finding the candidates among many pieces is
`KeypointIndex`: locality-sensitive hashing of the descriptors (TABLES tables, each keyed
on KEY_BITS fixed bit positions) and a vote per piece. No Django here (docs/adr/012).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps

SIDE = 384  # pixels along the longer side before detection
FEATURES = 400
INDEXED = 240  # the strongest keypoints of a piece go into the hash tables
MIN_INLIERS = 16  # agreeing matches for a match; unrelated renders stayed at 11 or under
BLUR_SIGMA = 1.0
CANDIDATES = 24  # pieces checked per lookup, most votes first
TABLES, KEY_BITS = 4, 16
BUCKETS = TABLES << KEY_BITS
INDEX_BYTES_PER_DESCRIPTOR = TABLES * 4  # a posting per table
REPROJECTION_PX = 4.0
SCALE_BOUNDS = (0.25, 4.0)
MAX_ROTATION_DEG = 20.0
_HEADER = struct.Struct("<HH")  # version, count
_VERSION = 1
_RATIO = 0.8  # Lowe's ratio test
_orb = cv2.ORB_create(nfeatures=FEATURES, edgeThreshold=15, patchSize=31, fastThreshold=5)
_matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
# Fixed bit positions per table: the same on every machine, so stored keys stay valid.
_KEY_POSITIONS = np.random.default_rng(20261203).choice(256, size=(TABLES, KEY_BITS), replace=False)


@dataclass(frozen=True)
class Keypoints:
    points: np.ndarray  # (n, 2) float32, in the SIDE-pixel frame
    descriptors: np.ndarray  # (n, 32) uint8, strongest first

    def __len__(self) -> int:
        return len(self.descriptors)

    def to_bytes(self) -> bytes:
        head = _HEADER.pack(_VERSION, len(self))
        return head + self.points.astype(np.float16).tobytes() + self.descriptors.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Keypoints:
        version, count = _HEADER.unpack_from(data)
        if version != _VERSION:
            raise ValueError(f"Unknown keypoint format {version}.")
        start, middle = _HEADER.size, _HEADER.size + count * 4
        points = np.frombuffer(data, np.float16, count * 2, start).reshape(count, 2)
        descriptors = np.frombuffer(data, np.uint8, count * 32, middle).reshape(count, 32)
        return cls(points.astype(np.float32), descriptors)


EMPTY = Keypoints(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
_PAIR = struct.Struct("<I")  # length of the first side's bytes


def pair_to_bytes(pair: tuple[Keypoints, Keypoints]) -> bytes:
    """A query (the copy's keypoints and its mirror image's) as stored for the lookup worker."""
    first = pair[0].to_bytes()
    return _PAIR.pack(len(first)) + first + pair[1].to_bytes()


def pair_from_bytes(data: bytes) -> tuple[Keypoints, Keypoints]:
    (length,) = _PAIR.unpack_from(data)
    start = _PAIR.size
    return (
        Keypoints.from_bytes(data[start : start + length]),
        Keypoints.from_bytes(data[start + length :]),
    )


def extract(image: Image.Image) -> Keypoints:
    """The picture's keypoints, strongest first; EMPTY for a flat or tiny picture."""
    grey = np.asarray(ImageOps.grayscale(image))
    height, width = grey.shape
    scale = SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    # A light blur first: keypoints on fine grain (an engine's shared texture) would match
    # between different pictures; the structure that identifies a picture survives it.
    grey = cv2.equalizeHist(cv2.GaussianBlur(grey, (0, 0), BLUR_SIGMA))
    found, descriptors = _orb.detectAndCompute(grey, None)
    if descriptors is None:
        return EMPTY
    order = np.argsort([-k.response for k in found], kind="stable")
    points = np.float32([found[i].pt for i in order])
    return Keypoints(points, descriptors[order])


def extract_both(image: Image.Image) -> tuple[Keypoints, Keypoints]:
    """The picture's keypoints and its mirror image's (a mirrored copy matches the latter)."""
    return extract(image), extract(ImageOps.mirror(image))


def agreeing_matches(query: Keypoints, reference: Keypoints) -> int:
    """How many of the query's matches with `reference` fit one plausible similarity
    transform (0 when too few match or the transform is implausible)."""
    if len(query) < 8 or len(reference) < 8:
        return 0
    pairs = _matcher.knnMatch(query.descriptors, reference.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < MIN_INLIERS // 2:
        return 0
    source = query.points[[m.queryIdx for m in good]]
    target = reference.points[[m.trainIdx for m in good]]
    transform, mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION_PX
    )
    if transform is None:
        return 0
    scale = float(np.hypot(transform[0, 0], transform[1, 0]))
    rotation = abs(float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0]))))
    if not SCALE_BOUNDS[0] < scale < SCALE_BOUNDS[1] or rotation > MAX_ROTATION_DEG:
        return 0
    return int(mask.sum())


def best_agreement(query: tuple[Keypoints, Keypoints], reference: Keypoints) -> int:
    return max(agreeing_matches(query[0], reference), agreeing_matches(query[1], reference))


def verified(query: tuple[Keypoints, Keypoints], references: dict) -> list[tuple[object, int]]:
    """(label, agreeing matches) of each reference with enough of them, most first: the
    check after the index's vote (the verify page and bench/verify.py both use it)."""
    scored = [(label, best_agreement(query, ref)) for label, ref in references.items()]
    return sorted(
        [(label, inliers) for label, inliers in scored if inliers >= MIN_INLIERS],
        key=lambda item: -item[1],
    )


def confidence(inliers: int) -> float:
    """0–1 from agreeing matches: MIN_INLIERS is 0.5, three times that is near certain."""
    if inliers <= 0:
        return 0.0
    return round(float(1 - 0.5 ** (inliers / MIN_INLIERS)), 3)


def bucket_keys(descriptors: np.ndarray) -> np.ndarray:
    """(TABLES, n) uint32 keys: table t's KEY_BITS chosen bits of each descriptor, with the
    table number in the high bits so all tables share one key space."""
    bits = np.unpackbits(descriptors, axis=1)
    weights = (1 << np.arange(KEY_BITS, dtype=np.uint32))[::-1]
    keys = np.stack([bits[:, positions] @ weights for positions in _KEY_POSITIONS])
    return keys.astype(np.uint32) | (np.arange(TABLES, dtype=np.uint32)[:, None] << KEY_BITS)


class KeypointIndex:
    """Hash tables from descriptor keys to pieces, for candidate retrieval by vote.

    Compressed rows: `_offsets[key]` to `_offsets[key + 1]` are the postings (piece numbers,
    4 bytes each) of one bucket. Additions wait in a small tail, merged once it reaches a
    tenth of the rest. A vote counts 1/(bucket size), so common patterns weigh little.
    """

    def __init__(self) -> None:
        self.labels: list = []  # piece number -> caller's label (a piece id)
        self._offsets = np.zeros(BUCKETS + 1, np.int64)
        self._pieces = np.zeros(0, np.int32)
        self._tail_keys: list[np.ndarray] = []
        self._tail_pieces: list[np.ndarray] = []
        self._tail_size = 0

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def postings(self) -> int:
        return len(self._pieces) + self._tail_size

    def add(self, label, keypoints: Keypoints) -> None:
        number = len(self.labels)
        self.labels.append(label)
        keys = bucket_keys(keypoints.descriptors[:INDEXED]).ravel()
        self._tail_keys.append(keys)
        self._tail_pieces.append(np.full(len(keys), number, np.int32))
        self._tail_size += len(keys)
        if self._tail_size > max(200_000, len(self._pieces) // 10):
            self._merge()

    def _merge(self) -> None:
        old_keys = np.repeat(np.arange(BUCKETS, dtype=np.uint32), np.diff(self._offsets))
        keys = np.concatenate([old_keys, *self._tail_keys])
        pieces = np.concatenate([self._pieces, *self._tail_pieces])
        order = np.argsort(keys, kind="stable")
        self._pieces = pieces[order]
        counts = np.bincount(keys, minlength=BUCKETS)
        self._offsets = np.concatenate([[0], np.cumsum(counts)])
        self._tail_keys, self._tail_pieces, self._tail_size = [], [], 0

    def candidates(self, query: tuple[Keypoints, Keypoints], limit: int = CANDIDATES) -> list:
        """The labels of up to `limit` pieces with the most votes, most first."""
        described = [q.descriptors for q in query if len(q)]
        if not self.labels or not described:
            return []
        if self._tail_size:
            self._merge()
        wanted = np.unique(np.concatenate([bucket_keys(d).ravel() for d in described]))
        starts, lengths = self._offsets[wanted], np.diff(self._offsets)[wanted]
        starts, lengths = starts[lengths > 0], lengths[lengths > 0]
        if not len(lengths):
            return []
        positions = np.arange(lengths.sum()) + np.repeat(
            starts - np.cumsum(lengths) + lengths, lengths
        )
        weights = np.repeat(1.0 / lengths, lengths)
        votes = np.bincount(self._pieces[positions], weights=weights, minlength=len(self.labels))
        top = np.argsort(-votes, kind="stable")[:limit]
        return [self.labels[i] for i in top if votes[i] > 0]
