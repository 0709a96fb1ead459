"""Untrusted image uploads: sniff the real format, bound the size, re-encode to strip metadata."""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.uploads import has_active_markup

ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
AVATAR_SIZE = 512
# Modes a PNG stores as they are; any other is converted (palette, CMYK, 16-bit, ...).
PNG_KEPT_MODES = {"RGB", "RGBA", "L", "LA"}


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
    if has_active_markup(data):
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


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded PNG of an upload and its size in pixels."""

    data: bytes
    width: int
    height: int

    def content(self, *, name: str) -> ContentFile:
        return ContentFile(self.data, name=name)


def image_without_metadata(image: Image.Image) -> CleanImage:
    """Re-encode as a PNG from the pixels alone, so no location or device data reaches the
    other party: EXIF (GPS, camera make/model/serial, maker notes, thumbnails), XMP, IPTC,
    text chunks, comments and extra frames all stay behind. The EXIF orientation is applied
    to the pixels first, and the ICC profile is the one thing kept (colours stay right)."""
    upright = ImageOps.exif_transpose(image)
    icc_profile = image.info.get("icc_profile")
    if upright.mode not in PNG_KEPT_MODES:
        if upright.mode not in ("P", "PA"):
            icc_profile = None  # a CMYK or 16-bit profile does not describe 8-bit RGB
        has_alpha = "transparency" in upright.info or upright.mode == "PA"
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())  # no info at all
    buffer = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    pixels.save(buffer, format="PNG", optimize=True, **options)
    return CleanImage(data=buffer.getvalue(), width=pixels.width, height=pixels.height)


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
