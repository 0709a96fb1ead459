"""Keypoint fingerprints: find a piece from a cropped, mirrored, rotated or recoloured copy.

A re-posted copy keeps only its pixels, and the watermark and the pHash both assume the
copy is the whole picture the right way round. Local features do not: each piece keeps
up to FEATURES ORB keypoints (position + 256-bit descriptor) of its greyscale, contrast-
equalised picture at SIDE pixels. A query's keypoints (and its mirror image's: ORB is not
mirror-invariant) are matched against a candidate's, and the matches must agree on one
plausible similarity transform (RANSAC: rotation, uniform scale, shift, within bounds); the
number of agreeing matches is the evidence. Finding the candidates among many pieces is
`KeypointIndex`: nearest-neighbour search of the descriptors (faiss) and a vote per piece.
No Django here (docs/adr/012).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import faiss
import numpy as np
from PIL import Image, ImageOps

SIDE = 384  # pixels along the longer side before detection
FEATURES = 400
INDEXED = 240  # the strongest keypoints of a piece go into the hash tables
MIN_INLIERS = 14  # agreeing one-to-one matches; unrelated pictures stayed at 10 or under
BLUR_SIGMA = 1.0
CANDIDATES = 24  # pieces checked per lookup, most votes first
NEIGHBOURS = 8  # stored descriptors found per query descriptor
MAX_DISTANCE = 64  # bits of 256: a farther neighbour is no evidence
EXACT_UP_TO = 200_000  # descriptors searched exhaustively (~800 pieces)
PROBES = 4  # inverted-file cells searched per query descriptor
MAX_CELLS = 8192  # inverted-file cells: training time grows with their square
INDEX_BYTES_PER_DESCRIPTOR = 32 + 8  # the code and its piece number in faiss
REPROJECTION_PX = 4.0
SCALE_BOUNDS = (0.25, 4.0)
MAX_ROTATION_DEG = 20.0
_HEADER = struct.Struct("<HH")  # version, count
_VERSION = 1
_RATIO = 0.8  # Lowe's ratio test
_orb = cv2.ORB_create(nfeatures=FEATURES, edgeThreshold=15, patchSize=31, fastThreshold=5)
_matcher = cv2.BFMatcher(cv2.NORM_HAMMING)


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
    good = _one_to_one(good)
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


def _one_to_one(matches: list) -> list:
    """The closest match of each reference keypoint. Many query keypoints (one corner at
    several pyramid levels, a repeated shape) matching one reference point all fit any
    transform through it: counted once, they are one piece of evidence, as they should be."""
    best: dict = {}
    for match in matches:
        kept = best.get(match.trainIdx)
        if kept is None or match.distance < kept.distance:
            best[match.trainIdx] = match
    return list(best.values())


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


class KeypointIndex:
    """The nearest stored descriptors of each query descriptor (Hamming distance, faiss'
    binary indexes), and a vote per piece, for candidate retrieval.

    Each piece adds its strongest INDEXED descriptors. Up to EXACT_UP_TO descriptors the
    search is exhaustive; a bigger catalogue gets an inverted file (IndexBinaryIVF: about
    4·√n cells, at most MAX_CELLS, found by an HNSW graph and trained on a sample of the
    descriptors; PROBES cells searched per query descriptor). Each query descriptor votes
    for the pieces among its NEIGHBOURS nearest within MAX_DISTANCE bits, 1/(how many
    pieces) each, so a common pattern weighs little. The structure is chosen when the index
    is first searched (after its owner loaded every stored row); once the catalogue grows
    past 4× that, `outgrown` asks the owner to build a new one.
    """

    def __init__(self) -> None:
        self.labels: list = []  # piece number -> caller's label (a piece id)
        self._index = None
        self._parts: list[faiss.IndexBinary] = []  # what _index refers to, kept alive
        self._pending: list[np.ndarray] = []
        self._built_for = 0

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def postings(self) -> int:
        waiting = sum(len(descriptors) for descriptors in self._pending)
        return waiting + (self._index.ntotal if self._index is not None else 0)

    @property
    def outgrown(self) -> bool:
        return self._index is not None and self.postings > max(EXACT_UP_TO, 4 * self._built_for)

    def add(self, label, keypoints: Keypoints) -> None:
        self.labels.append(label)
        self._pending.append(np.ascontiguousarray(keypoints.descriptors[:INDEXED]))

    def flush(self) -> None:
        """Index what was added since the last search (the first search builds the index:
        call this to build it beforehand)."""
        if not self._pending:
            return
        numbers = np.concatenate(
            [np.full(len(d), len(self.labels) - len(self._pending) + i, np.int64)
             for i, d in enumerate(self._pending)]
        )  # fmt: skip
        descriptors = np.concatenate(self._pending)
        self._pending = []
        if self._index is None:
            self._index = self._built(descriptors)
        self._index.add_with_ids(descriptors, numbers)

    def _built(self, descriptors: np.ndarray) -> faiss.IndexBinary:
        self._built_for = len(descriptors)
        if len(descriptors) <= EXACT_UP_TO:
            self._parts = [faiss.IndexBinaryFlat(256)]
            return faiss.IndexBinaryIDMap(self._parts[0])
        cells = min(MAX_CELLS, 1 << int(np.log2(4 * np.sqrt(len(descriptors)))))
        quantizer = faiss.IndexBinaryHNSW(256, 16)
        index = faiss.IndexBinaryIVF(quantizer, 256, cells)
        index.cp.niter = 10  # k-means rounds: cells need only be roughly even
        sample = np.random.default_rng(20261204).choice(
            len(descriptors), min(len(descriptors), cells * 20), replace=False
        )
        index.train(descriptors[np.sort(sample)])
        index.nprobe = PROBES
        self._parts = [quantizer]
        return index

    def candidates(self, query: tuple[Keypoints, Keypoints], limit: int = CANDIDATES) -> list:
        """The labels of up to `limit` pieces with the most votes, most first."""
        described = [q.descriptors for q in query if len(q)]
        self.flush()
        if self._index is None or not self._index.ntotal or not described:
            return []
        distances, numbers = self._index.search(np.concatenate(described), NEIGHBOURS)
        numbers = np.where(distances <= MAX_DISTANCE, numbers, -1)
        numbers.sort(axis=1)
        first = numbers >= 0  # each piece once per query descriptor
        first[:, 1:] &= numbers[:, 1:] != numbers[:, :-1]
        weights = np.repeat(1.0 / np.maximum(first.sum(axis=1), 1), first.shape[1])
        votes = np.bincount(
            numbers.ravel()[first.ravel()],
            weights=weights[first.ravel()],
            minlength=len(self.labels),
        )
        top = np.argsort(-votes, kind="stable")[:limit]
        return [self.labels[i] for i in top if votes[i] > 0]
