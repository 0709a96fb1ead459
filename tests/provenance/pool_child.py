"""Runs in a spawned pool child: imports no Django, so the child proves stamping needs none."""

import sys

from PIL import Image

from provenance.stamp import StampedImage, StampOrder, stamp_image


def stamp_without_django(order: StampOrder, image: Image.Image) -> tuple[StampedImage, bool]:
    """Stamp, and say whether anything in this process had imported Django by then."""
    stamped = stamp_image(order, image)
    return stamped, "django" in sys.modules
