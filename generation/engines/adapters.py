"""LoRA adapters for a style: read a safetensors header, check it fits a base denoiser, and
keep a bounded set of adapters loaded in a diffusers pipeline.

No Django and no weights: the web process validates an upload from headers alone (the
adapter's and the checkpoint's denoiser file), the worker loads what it validated.

Key names understood (the denoiser's own module paths in every case):
- diffusers / peft: `[unet.|transformer.]<module>.lora_A.weight` + `.lora_B.weight`;
- older diffusers: `[unet.]<module>.lora.down.weight` + `.lora.up.weight`, and
  `<module>.lora_down.weight` + `.lora_up.weight`;
- kohya (sd-scripts): `lora_unet_<module with _ for .>.lora_down.weight` + `.lora_up.weight`
  (+ `.alpha`), for LoRAs trained on diffusers module names (not the LDM `input_blocks` ones).
Text-encoder keys (`text_encoder.`, `lora_te`) are refused: styles adapt the denoiser only.
"""

from __future__ import annotations

import json
import struct
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .base import AdapterRef, GenerationRequest

MAX_HEADER_BYTES = 100 * 1024 * 1024  # the safetensors format's own limit
DENOISER_FILES = (
    "unet/diffusion_pytorch_model.safetensors",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "transformer/diffusion_pytorch_model.safetensors",
)
PICKLE_MAGIC = (b"\x80", b"PK\x03\x04")  # pickle protocol 2+, torch.save's zip
PAIRS = (
    (".lora_A.weight", ".lora_B.weight"),
    (".lora.down.weight", ".lora.up.weight"),
    (".lora_down.weight", ".lora_up.weight"),
)
PREFIXES = ("unet.", "transformer.")
TEXT_ENCODER_PREFIXES = ("text_encoder", "lora_te")
KOHYA_PREFIX = "lora_unet_"

Shapes = Mapping[str, tuple[int, ...]]


class AdapterInvalid(ValueError):
    """The file is not a safetensors adapter (a pickle, a truncated or malformed header)."""


class AdapterIncompatible(ValueError):
    """The adapter does not fit the model: unknown modules or mismatched shapes.

    A ValueError, so the worker fails the job without retrying: the same batch cannot fit.
    """


@dataclass(frozen=True)
class AdapterFacts:
    convention: str  # "diffusers" or "kohya"
    modules: int
    rank: int


def read_header(stream: BinaryIO, size: int) -> dict[str, Any]:
    """The JSON header of a safetensors file, after checking it really is one (a renamed
    pickle is refused) and that every tensor lies inside the file."""
    head = stream.read(8)
    if head.startswith(PICKLE_MAGIC):
        raise AdapterInvalid("is a pickle (.ckpt/.pt/.bin) file; only safetensors is accepted")
    if len(head) < 8:
        raise AdapterInvalid("is too short to be a safetensors file")
    (length,) = struct.unpack("<Q", head)
    if not 2 <= length <= min(MAX_HEADER_BYTES, size - 8):
        raise AdapterInvalid("is not a safetensors file (bad header length)")
    raw = stream.read(length)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AdapterInvalid("is not a safetensors file (the header is not JSON)") from None
    if not isinstance(header, dict):
        raise AdapterInvalid("is not a safetensors file (the header is not an object)")
    _check_offsets(header, size - 8 - length)
    return header


def _check_offsets(header: dict[str, Any], data_bytes: int) -> None:
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            shape = [int(n) for n in entry["shape"]]
            start, end = (int(n) for n in entry["data_offsets"])
            entry["dtype"]
        except (KeyError, TypeError, ValueError):
            raise AdapterInvalid(f"has a malformed entry for tensor {name!r}") from None
        if not 0 <= start <= end <= data_bytes or min(shape, default=1) < 0:
            raise AdapterInvalid(f"has tensor {name!r} outside the file")


def read_header_file(path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        return read_header(stream, path.stat().st_size)


def tensor_shapes(header: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v["shape"]) for k, v in header.items() if k != "__metadata__"}


def denoiser_shapes(checkpoint: Path) -> dict[str, tuple[int, ...]]:
    """The denoiser's state-dict shapes from its safetensors header (no weights loaded)."""
    for name in DENOISER_FILES:
        path = checkpoint / name
        if path.is_file():
            return tensor_shapes(read_header_file(path))
    raise AdapterIncompatible(f"no safetensors denoiser found in {checkpoint.name}")


def _split_key(key: str, kohya_modules: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(convention, module path, "down"|"up") for a LoRA weight key, None for others."""
    for down, up in PAIRS:
        for suffix, role in ((down, "down"), (up, "up")):
            if key.endswith(suffix):
                stem = key[: -len(suffix)]
                if stem.startswith(KOHYA_PREFIX):
                    module = kohya_modules.get(stem[len(KOHYA_PREFIX) :], stem)
                    return "kohya", module, role
                for prefix in PREFIXES:
                    if stem.startswith(prefix):
                        stem = stem[len(prefix) :]
                return "diffusers", stem, role
    return None


def _pairs(keys: Iterable[str], shapes: Shapes, base: Shapes) -> dict[str, dict[str, Any]]:
    modules = [key.removesuffix(".weight") for key in base if key.endswith(".weight")]
    kohya_modules = {module.replace(".", "_"): module for module in modules}
    found: dict[str, dict[str, Any]] = {}
    for key in keys:
        if key.startswith(TEXT_ENCODER_PREFIXES):
            raise AdapterIncompatible(f"{key} adapts the text encoder; only the denoiser is")
        if key.endswith(".alpha"):
            continue
        parts = _split_key(key, kohya_modules)
        if parts is None:
            raise AdapterIncompatible(f"{key} is not a LoRA weight name this site knows")
        convention, module, role = parts
        entry = found.setdefault(module, {"convention": convention})
        entry[role] = shapes[key]
    return found


def check_adapter(header: Mapping[str, Any], base: Shapes) -> AdapterFacts:
    """Every LoRA pair must name a module of `base` and have the module's in/out features
    (and kernel rank: linear or conv); raise AdapterIncompatible saying which does not."""
    shapes = tensor_shapes(header)
    pairs = _pairs(shapes, shapes, base)
    if not pairs:
        raise AdapterIncompatible("it holds no LoRA weights")
    ranks = set()
    for module, entry in sorted(pairs.items()):
        weight = base.get(f"{module}.weight")
        if weight is None:
            raise AdapterIncompatible(f"the model has no module {module}")
        if "down" not in entry or "up" not in entry:
            raise AdapterIncompatible(f"{module} has only half of its LoRA pair")
        down, up = entry["down"], entry["up"]
        if len(down) != len(weight) or len(up) != len(weight):
            raise AdapterIncompatible(f"{module} is {len(weight)}-D, its LoRA is not")
        if down[1] != weight[1] or up[0] != weight[0] or down[0] != up[1]:
            raise AdapterIncompatible(
                f"{module} maps {weight[1]}→{weight[0]} features; the LoRA has "
                f"down {list(down)}, up {list(up)}"
            )
        ranks.add(down[0])
    conventions = {entry["convention"] for entry in pairs.values()}
    if len(conventions) > 1:
        raise AdapterIncompatible("it mixes kohya and diffusers key names")
    return AdapterFacts(convention=conventions.pop(), modules=len(pairs), rank=max(ranks))


class LoraSlots:
    """The adapters loaded in one diffusers pipeline: at most `max_loaded`, least recently
    used evicted first, the current batch's set active and every other one off."""

    def __init__(self, pipe: Any, *, model: str, max_loaded: int = 8) -> None:
        self.pipe = pipe
        self.model = model
        self.max_loaded = max(1, max_loaded)
        self.loaded: OrderedDict[str, AdapterRef] = OrderedDict()
        denoiser = getattr(pipe, "unet", None) or pipe.transformer
        # Before any adapter wraps its layers: the base shapes adapters are checked against.
        state = denoiser.state_dict()  # a compiled denoiser prefixes its keys with _orig_mod.
        self.base = {k.removeprefix("_orig_mod."): tuple(v.shape) for k, v in state.items()}

    def apply_batch(self, requests: Sequence[GenerationRequest]) -> None:
        """Make the batch's shared adapter set the active one (none: LoRA disabled)."""
        adapters = requests[0].adapters
        if any(r.adapters != adapters for r in requests):
            raise ValueError("All requests in one batch must share their adapters.")
        if not adapters:
            if self.loaded:
                self.pipe.disable_lora()
            return
        for ref in adapters:
            self._load(ref)
        self._evict(keep={ref.sha256 for ref in adapters})
        self.pipe.enable_lora()
        self.pipe.set_adapters(
            [ref.sha256 for ref in adapters], adapter_weights=[ref.scale for ref in adapters]
        )

    def _load(self, ref: AdapterRef) -> None:
        if ref.sha256 in self.loaded:
            self.loaded.move_to_end(ref.sha256)
            return
        try:
            check_adapter(read_header_file(Path(ref.path)), self.base)
            self.pipe.load_lora_weights(ref.path, adapter_name=ref.sha256)
        # diffusers/peft raise many types for a LoRA that does not fit; to the job they all
        # mean the same: this adapter cannot run on this model, so do not retry.
        except Exception as exc:  # noqa: BLE001
            self._discard_partial(ref.sha256)
            raise AdapterIncompatible(
                f"adapter {ref.name} is incompatible with model {self.model}: {exc}"
            ) from exc
        self.loaded[ref.sha256] = ref

    def _discard_partial(self, name: str) -> None:
        """A load that failed half-way may have wrapped some layers already; left there,
        they would stay active in every later batch."""
        if any(name in names for names in self.pipe.get_list_adapters().values()):
            self.pipe.delete_adapters(name)

    def _evict(self, *, keep: set[str]) -> None:
        for sha in [s for s in self.loaded if s not in keep]:
            if len(self.loaded) <= self.max_loaded:
                return
            self.pipe.delete_adapters(sha)
            del self.loaded[sha]
