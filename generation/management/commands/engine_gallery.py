"""`manage.py engine_gallery`: a captioned contact sheet of varied prompts for the docs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from PIL import Image, ImageDraw, ImageFont

from generation.engines import EngineUnavailable, GenerationRequest
from generation.services.engines import configured_engine

GALLERY_PROMPTS: tuple[tuple[str, int], ...] = (
    ("misty mountains at sunrise", 3),
    ("calm ocean at sunset", 11),
    ("pine forest in autumn", 4),
    ("city at night", 7),
    ("spiral galaxy", 2),
    ("nebula with a ringed planet", 5),
    ("flowers in a spring garden", 1),
    ("geometric bauhaus poster", 8),
    ("abstract fluid marble, teal and gold", 6),
    ("desert dunes at sunset", 2),
    ("watercolor lake with mountains", 9),
    ("pixel art forest at sunset", 5),
    ("oil painting of stormy sea", 12),
    ("minimal pink sunset", 4),
    ("neon cyberpunk city", 3),
    ("low poly snowy mountains", 6),
)


def contact_sheet(
    images: list[Image.Image], captions: list[str], columns: int = 4, tile: int = 320
) -> Image.Image:
    """Grid of tiles with a caption strip under each; plain PIL so it runs anywhere."""
    caption_h = 34
    rows = (len(images) + columns - 1) // columns
    gap = 8
    sheet = Image.new(
        "RGB", (columns * (tile + gap) + gap, rows * (tile + caption_h + gap) + gap), "#15161a"
    )
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=15)
    for k, (image, caption) in enumerate(zip(images, captions, strict=True)):
        x = gap + (k % columns) * (tile + gap)
        y = gap + (k // columns) * (tile + caption_h + gap)
        thumb = image.copy()
        thumb.thumbnail((tile, tile), Image.Resampling.LANCZOS)
        sheet.paste(thumb, (x, y))
        text = caption if len(caption) <= 40 else caption[:39] + "…"
        draw.text((x + 4, y + tile + 8), text, fill="#e8e8ea", font=font)
    return sheet


class Command(BaseCommand):
    help = "Render a 4x4 gallery of varied prompts to docs/engine_gallery.png."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", default=None)
        parser.add_argument("--out", default="docs/engine_gallery.png")
        parser.add_argument("--size", type=int, default=512, help="square render size")
        parser.add_argument("--steps", type=int, default=None)

    def handle(self, *args: object, **opts: object) -> None:
        try:
            engine = configured_engine(opts["engine"])  # type: ignore[arg-type]
        except (ValueError, EngineUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        size = int(opts["size"])  # type: ignore[arg-type]
        requests = [
            GenerationRequest(prompt=p, seed=s, width=size, height=size, steps=opts["steps"])  # type: ignore[arg-type]
            for p, s in GALLERY_PROMPTS
        ]
        images: list[Image.Image] = []
        try:
            for start in range(0, len(requests), engine.max_batch):
                images += engine.generate(requests[start : start + engine.max_batch])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        captions = [f"{r.prompt} · seed {r.seed}" for r in requests]
        out = Path(str(opts["out"]))
        out.parent.mkdir(parents=True, exist_ok=True)
        contact_sheet(images, captions).save(out, optimize=True)
        self.stdout.write(str(out))
