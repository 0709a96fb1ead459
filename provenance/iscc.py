"""ISCC image code (ISO 24138), the registered C2PA soft binding "io.iscc.v0", with no Django.

A perceptual code that survives re-encoding and metadata stripping, so a copy whose manifest
was removed can still be matched to the manifest we keep. `iscc_core` is the maintained
reference implementation; it expects pixels already normalised the way the ISCC spec says
(and iscc-sdk's `image_normalize` does): EXIF orientation applied, transparency on white,
uniform borders cropped, greyscale, 32×32 bicubic, flattened to 1024 values.

Its 64-bit digest is built like our pHash (DCT of 32×32 grey, top-left 8×8 against their
median; only the resampling differs), so it adds no robustness of its own: it is here because
it is the standard, registered form that other C2PA tools can compute and resolve.
"""

from __future__ import annotations

import iscc_core
from PIL import Image, ImageChops, ImageOps

SIDE = 32
BITS = 64
PREFIX = "ISCC:"


def normalise(image: Image.Image) -> list[int]:
    """The 1024 greyscale values `iscc_core.gen_image_code_v0` is defined on."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    image = _trim_border(image.convert("RGB"))
    small = image.convert("L").resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    return list(small.tobytes())


def _trim_border(image: Image.Image) -> Image.Image:
    """Crop a border of exactly the top-left pixel's colour (as iscc-sdk does)."""
    background = Image.new(image.mode, image.size, image.getpixel((0, 0)))
    box = ImageChops.difference(image, background).getbbox()
    return image.crop(box) if box else image


def image_code(image: Image.Image) -> str:
    """The ISCC Content-Code Image v0 of `image`, e.g. "ISCC:EEA…" (64 bits)."""
    return iscc_core.gen_image_code_v0(normalise(image), bits=BITS)["iscc"]


def code_bytes(code: str) -> bytes:
    """The binary ISCC unit (header and digest): the soft binding's value."""
    return iscc_core.decode_base32(iscc_core.iscc_clean(code))


def distance(a: str, b: str) -> int:
    """Hamming distance in bits between two image codes."""
    return iscc_core.iscc_distance(a, b)
