"""Turning engine images into stored files: a lossless original and a small public preview."""

import hashlib
import io

from PIL import Image

PREVIEW_MAX_SIDE = 768


def encode_original(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def encode_preview(image: Image.Image) -> bytes:
    preview = image.convert("RGB")
    preview.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    preview.save(buffer, format="WEBP", quality=82, method=4)
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
