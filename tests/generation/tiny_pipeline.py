"""The tiny random diffusers pipeline, built one way for the engine tests and bench/engines.py.

Random weights and a hand-written tokenizer, so nothing is downloaded and it runs on CPU in
milliseconds; the engine code under test or bench cannot tell it from a real checkpoint.
torch, diffusers and transformers are imported inside the functions: collecting the tests
must not need them (the fixture skips without diffusers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP byte-level alphabet: every byte maps to one printable unicode character."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs), strict=True))


def write_tiny_tokenizer(directory: Path) -> None:
    """Hand-written byte-level CLIP vocab (~520 tokens) so no tokenizer is downloaded."""
    directory.mkdir(parents=True, exist_ok=True)
    chars = list(_bytes_to_unicode().values())
    tokens = ["<|startoftext|>", "<|endoftext|>"] + chars + [c + "</w>" for c in chars]
    merges = ["#version: 0.2", "t h", "th e</w>", "a n", "o n</w>", "e r</w>"]
    tokens += ["th", "the</w>", "an", "on</w>", "er</w>"]
    (directory / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    (directory / "merges.txt").write_text("\n".join(merges) + "\n")


def tiny_tokenizer(directory: Path) -> Any:
    """The byte-level CLIPTokenizer, written to `directory` and loaded from it."""
    from transformers import CLIPTokenizer

    write_tiny_tokenizer(directory)
    return CLIPTokenizer.from_pretrained(str(directory), model_max_length=77)


def assemble_pipeline(*, tokenizer: Any, text_encoder: Any, unet: Any, vae: Any) -> Any:
    """An SD pipeline around the given parts, with the 1-step-friendly trailing Euler
    scheduler and no safety checker (the tiny and bench "sd-turbo" pipelines share it)."""
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline

    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="trailing",
        steps_offset=1,
    )
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def tiny_text_encoder(tokenizer: Any) -> Any:
    """A 2-layer, 32-wide random CLIP text encoder for `tokenizer`."""
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            max_position_embeddings=77,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )


def tiny_pipeline(tokenizer_dir: Path) -> Any:
    """Random-weight SD-style pipeline (CLIP 32, UNet (32, 64), VAE (32, 64)), seeded so the
    weights (and so the saved checkpoint) are the same on every build."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer(tokenizer_dir)
    text_encoder = tiny_text_encoder(tokenizer)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=(2, 4),
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
    )
    return assemble_pipeline(tokenizer=tokenizer, text_encoder=text_encoder, unet=unet, vae=vae)


def build_tiny_pipeline(path: Path) -> Path:
    """The tiny pipeline saved as a checkpoint directory at `path` (~6 MB on disk)."""
    tiny_pipeline(path.parent / (path.name + "-tok")).save_pretrained(str(path))
    return path


def tiny_upscaler(tokenizer_dir: Path) -> Any:
    """Random-weight StableDiffusionUpscalePipeline shaped like the x4 upscaler: a UNet fed
    latents plus the low-res picture (7 channels), a noise-level class embedding, and a
    three-block VAE that decodes at 4x."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        DDPMScheduler,
        StableDiffusionUpscalePipeline,
        UNet2DConditionModel,
    )

    torch.manual_seed(0)
    tokenizer = tiny_tokenizer(tokenizer_dir)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=7,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=(2, 4),
        num_class_embeds=100,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        latent_channels=4,
        scaling_factor=0.08333,
    )
    return StableDiffusionUpscalePipeline(
        vae=vae,
        text_encoder=tiny_text_encoder(tokenizer),
        tokenizer=tokenizer,
        unet=unet,
        low_res_scheduler=DDPMScheduler(),
        scheduler=DDIMScheduler(prediction_type="v_prediction"),
        max_noise_level=350,
    )


def build_tiny_upscaler(path: Path) -> Path:
    """The tiny upscaler saved as a checkpoint directory at `path`."""
    tiny_upscaler(path.parent / (path.name + "-tok")).save_pretrained(str(path))
    return path
