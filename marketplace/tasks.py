"""Celery entry points for listings. Thin: they take ids and call services."""

from celery import shared_task

from marketplace.services.embeddings import listing_embed as listing_embed_service


@shared_task(name="marketplace.tasks.listing_embed", acks_late=True)
def listing_embed(listing_id: str) -> None:
    """Runs on the "default" queue; idempotent (recomputes the same vector)."""
    listing_embed_service(listing_id=listing_id)
