"""Untrusted image uploads: sniff the real format, bound the size, re-encode to strip metadata."""

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
AVATAR_SIZE = 512
# Markup a browser or server could execute if the file were ever served or sniffed as a
# document; a real photo or render never carries it (a polyglot hides it in a chunk or tail).
ACTIVE_MARKUP = (b"<script", b"<html", b"<iframe", b"<!doctype html", b"<?php", b"javascript:")


def open_untrusted_image(upload, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Open an uploaded file as an image, or raise ValidationError saying why not.

    The file's bytes decide the format (not its name or declared content type), and the
    pixel count is checked from the header before any pixel data is decoded.
    """
    if upload.size > max_bytes:
        raise ValidationError(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB.",
            code="file_too_large",
        )
    upload.seek(0)
    data = upload.read()
    lowered = data.lower()
    if any(marker in lowered for marker in ACTIVE_MARKUP):
        raise ValidationError(
            "That file contains web page or script content; upload a plain image.",
            code="active_content",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    "Upload a PNG, JPEG, WebP or GIF image.", code="unsupported_format"
                )
            if probe.width * probe.height > max_pixels:
                raise ValidationError(
                    f"The image is {probe.width}×{probe.height} pixels; that is too large.",
                    code="too_many_pixels",
                )
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "The image has too many pixels to process safely; upload a smaller one.",
            code="too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            "That file is not an image we can read. Upload a PNG, JPEG, WebP or GIF.",
            code="invalid_image",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            "The image file is damaged or incomplete.", code="invalid_image"
        ) from None
    return image


def image_to_png(image: Image.Image, *, name: str) -> tuple[ContentFile, int, int]:
    """Re-encode as an RGB PNG with the EXIF orientation applied: the new file carries no
    EXIF/GPS, comments, extra frames or anything else hidden in the upload."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=name), image.width, image.height


def avatar_from_upload(upload) -> Image.Image:
    return open_untrusted_image(
        upload, max_bytes=settings.AVATAR_MAX_BYTES, max_pixels=settings.AVATAR_MAX_PIXELS
    )


def avatar_to_png(image: Image.Image) -> ContentFile:
    """A square PNG thumbnail: re-encoding drops EXIF/GPS and anything hidden in the file."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    image = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name="avatar.png")
