"""Pieces with real files and provenance, and listings made through the real services."""

from marketplace.services.listings import listing_create, listing_publish
from tests.provenance.factories import FinishedJobFactory, art, stamped_piece

_seeds = iter(range(10_000, 1_000_000, 7))


def make_piece(owner, *, prompt: str = "", prompt_public: bool = True, size=(256, 256), image=None):
    """A stamped piece (original + preview in storage, provenance record, pHash, ledger)."""
    seed = next(_seeds)
    extra = {"prompt": prompt} if prompt else {}
    job = FinishedJobFactory(owner=owner, width=size[0], height=size[1], **extra)
    image = image if image is not None else art(seed, size)
    piece, _, _ = stamped_piece(job=job, image=image, prompt_public=prompt_public)
    return piece


def make_listing(creator, *, pieces=None, publish: bool = False, **fields):
    pieces = pieces if pieces is not None else [make_piece(creator)]
    values = {
        "title": "Lighthouse at dusk",
        "description": "A calm coastal scene.",
        "tags": ["sea", "lighthouse"],
        "category": "landscape",
        "price_amount": 1500,
        "currency": "USD",
    }
    values.update(fields)
    listing = listing_create(creator=creator, pieces=pieces, **values)
    if publish:
        listing = listing_publish(listing=listing, actor=creator)
    return listing
