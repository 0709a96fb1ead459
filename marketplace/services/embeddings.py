"""MiniLM embeddings of listings for "more like this", computed in a Celery worker.

The model takes seconds to load, so web processes never call this on a read path: publishing
enqueues `marketplace.tasks.listing_embed`, which calls `listing_embed` here.
"""

from __future__ import annotations

from marketplace.models import Listing
from marketplace.services.listings import listing_set_embedding
from marketplace.vectors import vector_to_bytes
from provenance.models import ProvenanceRecord


def embedding_text(listing: Listing) -> str:
    """Title, tags and the prompts the creator made public (private prompts stay private)."""
    tags = " ".join(listing.tags.values_list("name", flat=True))
    prompts = sorted(
        set(
            ProvenanceRecord.objects.filter(
                piece__listing_piece__listing=listing, prompt_public=True
            ).values_list("prompt", flat=True)
        )
    )
    return ". ".join(part for part in [listing.title, tags, *prompts] if part)


def listing_embed(*, listing_id, embedder=None) -> bool:
    """Compute and store a listing's embedding; False when the model is unavailable, the
    listing is gone, or its text changed meanwhile (the newer publish enqueues another)."""
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None:
        return False
    if embedder is None:
        # torch and the model load only in the process that embeds, not in every web worker.
        from generation.engines.text import get_text_embedder

        embedder = get_text_embedder()
    if embedder is None:
        return False
    document = listing.search_document
    vector = embedder.embed(embedding_text(listing))
    vector = vector.detach().cpu().numpy() if hasattr(vector, "detach") else vector
    return listing_set_embedding(
        listing_id=listing.pk, vector=vector_to_bytes(vector), document=document
    )
