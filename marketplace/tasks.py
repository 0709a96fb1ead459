"""Celery entry points for listings. Thin: they take ids and call services."""

from celery import shared_task

from marketplace.services.embeddings import listing_embed as listing_embed_service
from marketplace.services.follows import listing_followers_notify


@shared_task(name="marketplace.tasks.listing_embed", acks_late=True)
def listing_embed(listing_id: str) -> None:
    """Runs on the "default" queue; idempotent (recomputes the same vector)."""
    listing_embed_service(listing_id=listing_id)


@shared_task(name="marketplace.tasks.notify_followers", acks_late=True)
def notify_followers(listing_id: str) -> None:
    """Runs on the "default" queue; idempotent (a follower already told is skipped)."""
    listing_followers_notify(listing_id=listing_id)
