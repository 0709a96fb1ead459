"""LoRA adapters at the engine: header parsing, shape validation, loading in diffusers."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from generation.engines.adapters import (
    AdapterIncompatible,
    AdapterInvalid,
    check_adapter,
    denoiser_shapes,
    read_header,
    read_header_file,
)
from generation.engines.base import AdapterRef, GenerationRequest
from tests.generation.adapter_files import needs_peft, write_lora, write_pickle


def header_of(data: bytes) -> dict:
    return read_header(io.BytesIO(data), len(data))


def test_a_real_pickle_and_a_renamed_one_are_refused(tmp_path: Path) -> None:
    for name in ("style.ckpt", "style.safetensors"):
        path = write_pickle(tmp_path / name)
        with pytest.raises(AdapterInvalid, match="is a pickle"):
            read_header_file(path)
    torch.save({"w": torch.zeros(2)}, tmp_path / "zipped.safetensors")
    with pytest.raises(AdapterInvalid, match="is a pickle"):
        read_header_file(tmp_path / "zipped.safetensors")


def test_malformed_safetensors_are_refused() -> None:
    with pytest.raises(AdapterInvalid, match="too short"):
        header_of(b"\x01\x00")
    with pytest.raises(AdapterInvalid, match="bad header length"):
        header_of(struct.pack("<Q", 10_000) + b"{}")
    with pytest.raises(AdapterInvalid, match="not JSON"):
        header_of(struct.pack("<Q", 4) + b"{{{{")
    body = json.dumps({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    with pytest.raises(AdapterInvalid, match="outside the file"):
        header_of(struct.pack("<Q", len(body)) + body + b"\0" * 8)
    assert header_of(struct.pack("<Q", len(body)) + body + b"\0" * 16)["a"]["shape"] == [4]


def test_peft_and_kohya_loras_fit_the_tiny_unet(tmp_path: Path, tiny_pipeline_dir: Path) -> None:
    base = denoiser_shapes(tiny_pipeline_dir)
    peft = read_header_file(write_lora(tmp_path / "p.safetensors", tiny_pipeline_dir))
    kohya = read_header_file(write_lora(tmp_path / "k.safetensors", tiny_pipeline_dir, kohya=True))
    facts = check_adapter(peft, base)
    assert (facts.convention, facts.rank) == ("diffusers", 4)
    assert facts.modules == check_adapter(kohya, base).modules > 0
    assert check_adapter(kohya, base).convention == "kohya"


def test_shapes_and_names_that_do_not_fit_say_why(tmp_path: Path, tiny_pipeline_dir: Path) -> None:
    base = denoiser_shapes(tiny_pipeline_dir)
    wrong = read_header_file(
        write_lora(tmp_path / "w.safetensors", tiny_pipeline_dir, wrong_in=True)
    )
    with pytest.raises(
        AdapterIncompatible,
        match=r"to_q maps 64→64 features; the LoRA has down \[4, 65\], up \[64, 4\]",
    ):
        check_adapter(wrong, base)
    cases = {
        "unet.mid.nowhere.lora_A.weight": "the model has no module mid.nowhere",
        "text_encoder.layers.0.q.lora_A.weight": "adapts the text encoder",
        "unet.conv_in.extra": "not a LoRA weight name",
    }
    for key, message in cases.items():
        with pytest.raises(AdapterIncompatible, match=message):
            check_adapter({key: {"shape": [4, 32]}}, base)
    with pytest.raises(AdapterIncompatible, match="only half"):
        check_adapter({"unet.conv_in.lora_A.weight": {"shape": [4, 4, 3, 3]}}, base)


@pytest.fixture
def engine(tiny_pipeline_dir: Path):
    from generation.engines.diffusers_engine import DiffusersEngine

    return DiffusersEngine(str(tiny_pipeline_dir), sizes=["64x64"], max_batch=2, max_adapters=2)


def req(*adapters: AdapterRef) -> GenerationRequest:
    return GenerationRequest(
        prompt="a lighthouse", seed=3, width=64, height=64, steps=2, adapters=adapters
    )


def ref(path: Path, name: str = "ink") -> AdapterRef:
    return AdapterRef(name=name, path=str(path), sha256=f"sha{path.stem}", scale=1.0)


@needs_peft
def test_an_adapter_changes_the_output_and_none_restores_it(engine, tmp_path, tiny_pipeline_dir):
    lora = ref(write_lora(tmp_path / "a.safetensors", tiny_pipeline_dir))
    plain = np.asarray(engine.generate([req()])[0], dtype=np.int16)
    styled = np.asarray(engine.generate([req(lora)])[0], dtype=np.int16)
    again = np.asarray(engine.generate([req()])[0], dtype=np.int16)
    assert np.abs(plain - styled).mean() > 1.0
    assert np.array_equal(plain, again)
    kohya = ref(write_lora(tmp_path / "k.safetensors", tiny_pipeline_dir, kohya=True))
    kohya_styled = np.asarray(engine.generate([req(kohya)])[0], dtype=np.int16)
    assert np.abs(plain - kohya_styled).mean() > 1.0
    with pytest.raises(ValueError, match="share their adapters"):
        engine.generate([req(lora), req()])


@needs_peft
def test_loaded_adapters_are_bounded_least_recent_first(engine, tmp_path, tiny_pipeline_dir):
    refs = [
        ref(write_lora(tmp_path / f"{i}.safetensors", tiny_pipeline_dir, seed=i)) for i in range(3)
    ]
    for adapter in (refs[0], refs[1], refs[0], refs[2]):
        engine.generate([req(adapter)])
    assert list(engine._loras.loaded) == [refs[0].sha256, refs[2].sha256]
    assert sorted(engine.pipe.get_list_adapters()["unet"]) == sorted(engine._loras.loaded)


@needs_peft
def test_an_incompatible_adapter_fails_with_a_clear_message(engine, tmp_path, tiny_pipeline_dir):
    wrong = ref(write_lora(tmp_path / "w.safetensors", tiny_pipeline_dir, wrong_in=True), "bad")
    with pytest.raises(
        AdapterIncompatible, match="adapter bad is incompatible with model tiny-sd: "
    ):
        engine.generate([req(wrong)])
    assert isinstance(AdapterIncompatible("x"), ValueError)  # the worker does not retry it


@needs_peft
def test_a_load_that_fails_half_way_leaves_no_adapter_behind(
    engine, tmp_path, tiny_pipeline_dir, monkeypatch
):
    plain = np.asarray(engine.generate([req()])[0], dtype=np.int16)
    slots = engine._lora_slots()
    real_load = slots.pipe.load_lora_weights

    def load_then_fail(*args, **kwargs):  # the layers are wrapped, then something breaks
        real_load(*args, **kwargs)
        raise RuntimeError("out of host memory")

    monkeypatch.setattr(slots.pipe, "load_lora_weights", load_then_fail)
    lora = ref(write_lora(tmp_path / "a.safetensors", tiny_pipeline_dir))
    with pytest.raises(AdapterIncompatible, match="out of host memory"):
        engine.generate([req(lora)])

    assert not any(slots.pipe.get_list_adapters().values())
    after = np.asarray(engine.generate([req()])[0], dtype=np.int16)
    assert np.array_equal(plain, after)
