"""Re-generation check: run the recorded engine, prompt and seed again and compare pixels
(an edit is re-made from its stored parent and mask)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.errors import ApplicationError
from generation.engines import EngineError, GenerationRequest
from generation.services.adapters import version_adapter_refs
from generation.services.edits import edit_request_fields
from generation.services.engines import configured_engine
from provenance import phash, watermark
from provenance.models import ProvenanceRecord


@dataclass(frozen=True)
class Reproduction:
    engine: str
    engine_version: str
    output_sha256: str
    match: bool  # engine pixels identical to the recorded output
    marked_match: bool  # and identical once the recorded watermark is applied again
    mean_abs_diff: float  # vs the stored original's pixels (after re-marking)
    seconds: float


def _engine_prompts(record: ProvenanceRecord) -> tuple[str, str]:
    """A styled piece is re-made from its style version's template, checked by its hash."""
    if record.style_version_id is None:
        return record.prompt, record.negative_prompt
    version = record.style_version
    if version.params_sha256 != record.style_params_sha256:
        raise ApplicationError("The style version changed since the piece was made.", code="style")
    return version.compose(prompt=record.prompt, negative_prompt=record.negative_prompt)


def provenance_reproduce(*, record: ProvenanceRecord) -> Reproduction:
    """Deterministic engines must give the same sha256; report how far off the others are."""
    started = time.perf_counter()
    try:
        engine = configured_engine(record.engine_name)
        prompt, negative_prompt = _engine_prompts(record)
        request = GenerationRequest(
            prompt=prompt,
            seed=int(record.seed),
            negative_prompt=negative_prompt,
            width=record.width,
            height=record.height,
            steps=record.steps,
            guidance=record.guidance,
            adapters=version_adapter_refs(version=record.style_version),
            **edit_request_fields(record.piece.job),  # an edit starts from the same parent
        )
        image = engine.generate([request])[0].convert("RGB")
    except OSError as exc:
        message = f"Could not read the edit's source or the style's adapters: {exc}"
        raise ApplicationError(message, code="edit") from exc
    except (EngineError, ValueError) as exc:
        raise ApplicationError(f"Could not re-run the engine: {exc}", code="engine") from exc
    output_sha256 = phash.pixel_sha256(image)
    marked = watermark.embed(image, record.watermark_id)
    diff = float("nan")
    try:
        with record.piece.original.open("rb") as handle:
            original = Image.open(handle).convert("RGB")
        if original.size == marked.size:
            diff = float(
                np.abs(np.asarray(original, np.int16) - np.asarray(marked, np.int16)).mean()
            )
    except (FileNotFoundError, OSError):
        pass
    return Reproduction(
        engine=engine.name,
        engine_version=engine.version,
        output_sha256=output_sha256,
        match=output_sha256 == record.output_sha256,
        marked_match=phash.pixel_sha256(marked) == record.pixel_sha256,
        mean_abs_diff=diff,
        seconds=time.perf_counter() - started,
    )
