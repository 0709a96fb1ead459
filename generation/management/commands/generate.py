"""`manage.py generate "prompt" --seed N --count K --engine NAME --out DIR`: PNGs from the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from PIL.PngImagePlugin import PngInfo

from generation.engines import EngineUnavailable, GenerationRequest, parse_size
from generation.services.engines import available_engines, configured_engine


def slugify_prompt(prompt: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", prompt.lower()).strip("-")
    return slug[:limit].rstrip("-") or "image"


class Command(BaseCommand):
    help = "Generate images with a configured engine and write them as PNG files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prompt")
        parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
        parser.add_argument("--count", type=int, default=1, help="images, seeds seed..seed+K-1")
        parser.add_argument("--engine", default=None, help="engine name from GENERATION_ENGINES")
        parser.add_argument("--out", default="generated", help="output directory")
        parser.add_argument("--size", default="512x512", help="WIDTHxHEIGHT")
        parser.add_argument("--steps", type=int, default=None)
        parser.add_argument("--negative", default="", help="negative prompt")
        parser.add_argument("--guidance", type=float, default=None)

    def handle(self, *args: object, **opts: object) -> None:
        count = int(opts["count"])  # type: ignore[arg-type]
        if not 1 <= count <= 1000:
            raise CommandError("--count must be between 1 and 1000.")
        try:
            engine = configured_engine(opts["engine"])  # type: ignore[arg-type]
            width, height = parse_size(str(opts["size"]))
            seed = int(opts["seed"])  # type: ignore[arg-type]
            requests = [
                GenerationRequest(
                    prompt=str(opts["prompt"]),
                    seed=seed + i,
                    negative_prompt=str(opts["negative"]),
                    width=width,
                    height=height,
                    steps=opts["steps"],  # type: ignore[arg-type]
                    guidance=opts["guidance"],  # type: ignore[arg-type]
                )
                for i in range(count)
            ]
            engine.validate_batch(requests[: engine.max_batch])
            for request in requests:
                engine.validate_request(request)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except EngineUnavailable as exc:
            raise CommandError(
                f"{exc} (configured engines: {', '.join(available_engines())})"
            ) from exc

        out = Path(str(opts["out"]))
        out.mkdir(parents=True, exist_ok=True)
        slug = slugify_prompt(requests[0].prompt)
        for start in range(0, len(requests), engine.max_batch):
            chunk = requests[start : start + engine.max_batch]
            for request, image in zip(chunk, engine.generate(chunk), strict=True):
                info = PngInfo()
                info.add_text("prompt", request.prompt)
                info.add_text("negative_prompt", request.negative_prompt)
                info.add_text("seed", str(request.seed))
                info.add_text("engine", f"{engine.name} {engine.version} {engine.weights_hash}")
                path = out / f"{slug}-{request.seed}.png"
                image.save(path, pnginfo=info)
                self.stdout.write(str(path))
