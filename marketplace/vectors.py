"""Listing embeddings as stored bytes: unit-length float32 vectors of the text model's size."""

import numpy as np

EMBEDDING_DIM = 384


def vector_to_bytes(vector) -> bytes:
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    if array.shape != (EMBEDDING_DIM,):
        raise ValueError(f"Expected a {EMBEDDING_DIM}-dimensional embedding, got {array.shape}.")
    norm = float(np.linalg.norm(array))
    return (array / norm if norm > 0 else array).tobytes()


def bytes_to_vector(data) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.float32)
