"""Public media caching: a content-addressed preview key never changes its bytes.

A key named by the sha256 of its own content (`previews/<64 hex>.jpg`, provenance.stamp's
`StampedImage.preview_name`) can be cached by browsers and a CDN for a year. Any other public
file (avatars, previews stored before P18) may be replaced under the same name, so it gets no
long-lived header.
"""

import re

IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
CONTENT_ADDRESSED = re.compile(r"(?:^|/)[0-9a-f]{64}\.[a-z0-9]{1,5}$")


def is_content_addressed(name: str) -> bool:
    return bool(CONTENT_ADDRESSED.search(name))


def cache_control_for(name: str) -> str | None:
    """The Cache-Control a public file is stored and served with; None for the default."""
    return IMMUTABLE_CACHE_CONTROL if is_content_addressed(name) else None
