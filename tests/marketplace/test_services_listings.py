import numpy as np
import pytest

from core.errors import ApplicationError, PermissionDeniedError
from marketplace.models import Favourite, Listing, ListingEvent, ListingPiece, ListingStatus, Tag
from marketplace.services.embeddings import listing_embed
from marketplace.services.engagement import favourite_toggle, listing_record_view
from marketplace.services.listings import (
    listing_create,
    listing_publish,
    listing_unpublish,
    listing_update,
)
from marketplace.services.suspensions import listing_suspend, listing_unsuspend
from marketplace.vectors import EMBEDDING_DIM, bytes_to_vector
from provenance.models import LedgerEntry
from tests.factories import UserFactory
from tests.marketplace.factories import make_listing, make_piece
from tests.provenance.factories import art

pytestmark = pytest.mark.django_db


def listed_entries(piece):
    return list(
        LedgerEntry.objects.filter(piece=piece, kind="listed").values_list("data", flat=True)
    )


def test_create_makes_a_draft_with_pieces_tags_and_history(creator):
    first = make_piece(creator, prompt="red lighthouse, oil painting", size=(384, 256))
    second = make_piece(creator, prompt="secret recipe prompt", prompt_public=False)

    listing = listing_create(
        creator=creator,
        pieces=[first, second],
        title="  Coastal lights ",
        description="Two views.",
        tags=["Sea", "sea", " harbour "],
        category="landscape",
        price_amount=2500,
    )

    listing.refresh_from_db()
    assert (listing.status, listing.title, listing.currency) == ("draft", "Coastal lights", "USD")
    assert (listing.cover_id, listing.orientation, listing.engine) == (
        first.pk,
        "landscape",
        "embedded",
    )
    assert list(listing.listing_pieces.values_list("piece_id", "position")) == [
        (first.pk, 0),
        (second.pk, 1),
    ]
    assert sorted(listing.tags.values_list("name", flat=True)) == ["harbour", "sea"]
    assert "red lighthouse, oil painting" in listing.search_document
    assert "secret recipe" not in listing.search_document
    event = ListingEvent.objects.get(listing=listing)
    assert (event.actor, event.from_status, event.to_status) == (creator, "", "draft")
    assert listed_entries(first) == []


def test_buyer_cannot_create_listings(buyer):
    piece = make_piece(buyer)

    with pytest.raises(PermissionDeniedError):
        make_listing(buyer, pieces=[piece])

    assert not Listing.objects.exists() and not ListingPiece.objects.exists()


def test_creator_cannot_list_someone_elses_piece(creator):
    other = UserFactory(creator=True)
    theirs = make_piece(other)

    with pytest.raises(PermissionDeniedError, match="only list pieces you made"):
        make_listing(creator, pieces=[theirs])

    assert not Listing.objects.exists() and not ListingEvent.objects.exists()
    assert not Tag.objects.exists()


def test_a_piece_belongs_to_one_listing_only(creator):
    piece = make_piece(creator)
    first = make_listing(creator, pieces=[piece])

    with pytest.raises(ApplicationError, match="already in another listing"):
        make_listing(creator, pieces=[piece], title="Again")

    assert list(Listing.objects.values_list("pk", flat=True)) == [first.pk]


def test_publish_appends_listed_to_the_ledger_and_enqueues_embedding(
    creator, django_capture_on_commit_callbacks, no_embedding_tasks
):
    listing = make_listing(creator)
    piece = listing.cover

    with django_capture_on_commit_callbacks(execute=True):
        published = listing_publish(listing=listing, actor=creator)

    published.refresh_from_db()
    assert published.status == "published" and published.published_at is not None
    assert listed_entries(piece) == [{"listing": str(listing.pk)}]
    assert LedgerEntry.objects.filter(piece=piece, kind="listed").get().actor == creator
    assert list(published.events.values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "published"),
    ]
    assert no_embedding_tasks == [str(listing.pk)]


def test_publish_of_a_near_duplicate_is_blocked_and_writes_nothing(creator, settings):
    other = UserFactory(creator=True)
    settings.PHASH_NEAR_DUPLICATE_ACTION = "warn"
    make_piece(other, image=art(4242))
    copy = make_piece(creator, image=art(4242))
    listing = make_listing(creator, pieces=[make_piece(creator), copy])
    settings.PHASH_NEAR_DUPLICATE_ACTION = "block"

    with pytest.raises(ApplicationError, match="Piece 2 .* nearly identical") as caught:
        listing_publish(listing=listing, actor=creator)

    assert caught.value.code == "near_duplicate"
    listing.refresh_from_db()
    assert (listing.status, listing.published_at) == ("draft", None)
    assert not LedgerEntry.objects.filter(kind="listed").exists()
    assert listing.events.count() == 1


def test_listing_a_near_duplicate_is_blocked_at_creation(creator):
    other = UserFactory(creator=True)
    make_piece(other, image=art(77))
    copy = make_piece(creator, image=art(77))

    with pytest.raises(ApplicationError, match="nearly identical to another creator"):
        make_listing(creator, pieces=[copy])

    assert not Listing.objects.exists()


def test_own_similar_pieces_are_not_near_duplicates(creator):
    make_piece(creator, image=art(5))
    again = make_piece(creator, image=art(5))

    listing = make_listing(creator, pieces=[again], publish=True)

    assert listing.status == "published"


def test_unpublish_then_republish_keeps_history_and_ledger(creator):
    listing = make_listing(creator, publish=True)

    listing_unpublish(listing=listing, actor=creator, reason="Fixing the title")
    listing_publish(listing=listing, actor=creator)

    listing.refresh_from_db()
    assert listing.status == "published"
    assert list(listing.events.values_list("from_status", "to_status", "reason")) == [
        ("", "draft", ""),
        ("draft", "published", ""),
        ("published", "draft", "Fixing the title"),
        ("draft", "published", ""),
    ]
    assert len(listed_entries(listing.cover)) == 2


def update_kwargs(**overrides):
    values = {
        "title": "New title",
        "description": "New description",
        "tags": ["night"],
        "category": "abstract",
        "price_amount": 990,
        "currency": "EUR",
    }
    values.update(overrides)
    return values


def test_update_changes_fields_tags_and_search_document(creator):
    listing = make_listing(creator)

    listing_update(listing=listing, actor=creator, **update_kwargs())

    listing.refresh_from_db()
    assert (listing.title, listing.category, listing.price_amount, listing.currency) == (
        "New title",
        "abstract",
        990,
        "EUR",
    )
    assert list(listing.tags.values_list("name", flat=True)) == ["night"]
    assert "night" in listing.search_document
    assert "Lighthouse at dusk" not in listing.search_document
    assert "calm coastal" not in listing.search_document


def test_someone_else_cannot_update_or_publish_a_listing(creator):
    listing = make_listing(creator)
    other = UserFactory(creator=True)

    with pytest.raises(PermissionDeniedError):
        listing_update(listing=listing, actor=other, **update_kwargs())
    with pytest.raises(PermissionDeniedError):
        listing_publish(listing=listing, actor=other)

    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Lighthouse at dusk", "draft")


def test_pieces_are_frozen_after_publication(creator):
    listing = make_listing(creator, publish=True)
    extra = make_piece(creator)

    with pytest.raises(ApplicationError, match="cannot change once"):
        listing_update(
            listing=listing, actor=creator, pieces=[listing.cover, extra], **update_kwargs()
        )

    assert list(listing.listing_pieces.values_list("piece_id", flat=True)) == [listing.cover_id]


def test_draft_pieces_can_be_swapped_and_free_the_old_one(creator):
    listing = make_listing(creator)
    old, new = listing.cover, make_piece(creator, size=(256, 384))

    listing_update(listing=listing, actor=creator, pieces=[new], **update_kwargs())

    listing.refresh_from_db()
    assert (listing.cover, listing.orientation) == (new, "portrait")
    assert not ListingPiece.objects.filter(piece=old).exists()


def test_only_moderators_suspend_and_unsuspend_restores_status(creator, moderator, buyer):
    listing = make_listing(creator, publish=True)

    with pytest.raises(PermissionDeniedError):
        listing_suspend(listing=listing, actor=buyer, reason="spam")
    with pytest.raises(ApplicationError, match="Say why"):
        listing_suspend(listing=listing, actor=moderator, reason=" ")
    listing.refresh_from_db()
    assert listing.status == "published" and listing.events.count() == 2

    listing_suspend(listing=listing, actor=moderator, reason="Reported as stolen")
    with pytest.raises(ApplicationError, match="suspended and cannot be edited"):
        listing_update(listing=listing, actor=creator, **update_kwargs())
    with pytest.raises(ApplicationError, match="cannot be published"):
        listing_publish(listing=listing, actor=creator)
    listing_unsuspend(listing=listing, actor=moderator, reason="Cleared")

    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert list(listing.events.values_list("from_status", "to_status", "actor", "reason"))[-2:] == [
        ("published", "suspended", moderator.pk, "Reported as stolen"),
        ("suspended", "published", moderator.pk, "Cleared"),
    ]


def test_favourite_toggle_counts_and_refuses_hidden_listings(creator, buyer):
    listing = make_listing(creator, publish=True)
    draft = make_listing(creator, title="Draft")

    assert favourite_toggle(user=buyer, listing=listing) is True
    listing.refresh_from_db()
    assert listing.favourite_count == 1
    assert favourite_toggle(user=buyer, listing=listing) is False
    listing.refresh_from_db()
    assert listing.favourite_count == 0 and not Favourite.objects.exists()

    with pytest.raises(ApplicationError):
        favourite_toggle(user=buyer, listing=draft)
    assert not Favourite.objects.exists()


def test_views_are_counted_except_the_creators(creator, buyer):
    listing = make_listing(creator, publish=True)

    listing_record_view(listing=listing, viewer=buyer)
    listing_record_view(listing=listing, viewer=None)
    listing_record_view(listing=listing, viewer=creator)

    listing.refresh_from_db()
    assert listing.view_count == 2


class FakeEmbedder:
    def __init__(self):
        self.texts = []

    def embed(self, text):
        self.texts.append(text)
        vector = np.zeros(EMBEDDING_DIM, dtype=np.float32)
        vector[len(text) % EMBEDDING_DIM] = 3.0
        return vector


def test_embedding_is_stored_normalised_from_title_tags_and_public_prompt(creator):
    piece = make_piece(creator, prompt="misty harbour at dawn")
    listing = make_listing(creator, pieces=[piece], publish=True)
    embedder = FakeEmbedder()

    assert listing_embed(listing_id=listing.pk, embedder=embedder) is True

    listing.refresh_from_db()
    vector = bytes_to_vector(listing.embedding)
    assert vector.shape == (EMBEDDING_DIM,) and np.isclose(np.linalg.norm(vector), 1.0)
    assert embedder.texts == ["Lighthouse at dusk. lighthouse sea. misty harbour at dawn"]


def test_embedding_of_a_stale_text_is_discarded(creator, monkeypatch):
    listing = make_listing(creator, publish=True)

    class EditingEmbedder(FakeEmbedder):
        def embed(self, text):
            Listing.objects.filter(pk=listing.pk).update(search_document="edited meanwhile")
            return super().embed(text)

    assert listing_embed(listing_id=listing.pk, embedder=EditingEmbedder()) is False
    listing.refresh_from_db()
    assert listing.embedding is None
