"""Listing an edit: the parent's creator is credited, another creator's piece is sold on
only under a licence whose terms allow derivative resale (licensing answers marketplace's
may_resell_derivative hook), and an edit is no near-duplicate of its own ancestors."""

import pytest
from django.urls import reverse

from core.errors import ApplicationError, PermissionDeniedError
from generation.services.batch import batch_run
from generation.services.edits import job_create_edit
from licensing.models import LicenceGrant
from licensing.services.grants import licence_grant_issue
from licensing.subscriptions import licensee_may_sell_edits
from marketplace.hooks import may_resell_derivative
from marketplace.models import Listing, ListingPiece
from marketplace.selectors.derivatives import derivative_resale_allowed, derived_from
from marketplace.services.listings import listing_publish
from provenance import phash
from provenance.models import LedgerEntry
from tests.factories import UserFactory
from tests.generation.factories import scripted_piece
from tests.licensing.licences import paid_line, published_listing
from tests.marketplace.factories import make_listing, make_piece
from tests.marketplace.fixtures import listing_settings  # noqa: F401
from tests.provenance.factories import art, edited_piece

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _engines(scripted_engine, generation_wakeups, tiers):
    pass


@pytest.fixture
def licensee(db):
    return UserFactory(creator=True, display_name="Lena Licensee")


@pytest.fixture
def original(creator):
    creator.display_name = "Ada Original"
    creator.save(update_fields=["display_name"])
    return scripted_piece(creator, seed=7)


def licensed(piece, user, tier_code: str, *, title: str = "Sea cliffs") -> LicenceGrant:
    listing = published_listing(piece.owner, pieces=[piece], title=title)
    line = paid_line(listing=listing, buyer=user, tier_code=tier_code)
    return licence_grant_issue(order_line=line, licensee=user)


def upscale(piece, user):
    """A real edit: the job, the worker, the stamped piece with its parent recorded."""
    job = job_create_edit(owner=user, piece=piece, kind="upscale", upscale=2)
    batch_run(job_id=job.pk, worker="worker-a:1")
    return job.pieces.get()


def near(a, b) -> bool:
    return phash.distance(a.provenance.phash, b.provenance.phash) <= 6


def test_an_edit_of_ones_own_piece_lists_without_a_licence_or_a_credit(creator):
    parent = make_piece(creator, image=art(31))
    child, _, _ = edited_piece(parent=parent, image=art(31))

    listing = make_listing(creator, pieces=[child], publish=True)

    assert (listing.status, derived_from(piece=child)) == ("published", None)


def test_a_resale_licence_lets_the_licensee_list_an_upscale_crediting_the_creator(
    client, creator, original, licensee
):
    licensed(original, licensee, "extended")
    child = upscale(original, licensee)
    assert (child.parent, near(child, original)) == (original, True)

    listing = make_listing(licensee, pieces=[child], publish=True)

    assert listing.status == "published"
    credit = derived_from(piece=child)
    assert (credit.piece_id, credit.holder, credit.listing.title) == (
        original.pk,
        creator,
        "Sea cliffs",
    )
    page = client.get(reverse("listing_detail", args=[listing.pk])).content.decode()
    parent_url = reverse("listing_detail", args=[credit.listing.pk])
    assert (
        f'Derived from <a href="{parent_url}">“Sea cliffs”</a> by '
        f'<a href="{reverse("storefront", args=[creator.pk])}">Ada Original</a>'
    ) in page


def test_a_standard_licence_allows_edits_but_refuses_listing_them(original, licensee):
    licensed(original, licensee, "standard")
    child = upscale(original, licensee)

    with pytest.raises(ApplicationError, match="Piece 1 .* edit of Ada Original's piece") as no:
        make_listing(licensee, pieces=[child])

    assert (no.value.code, no.value.field) == ("derivative_resale", "pieces")
    assert not Listing.objects.filter(creator=licensee).exists()
    assert not ListingPiece.objects.filter(piece=child).exists()


def test_without_a_licence_an_edit_of_anothers_piece_is_neither_made_nor_listed(original, licensee):
    with pytest.raises(PermissionDeniedError):
        job_create_edit(owner=licensee, piece=original, kind="upscale", upscale=2)
    # An edit our records declare anyway (e.g. made before a licence was revoked).
    child, _, _ = edited_piece(parent=original, owner=licensee, seed=8)

    with pytest.raises(ApplicationError) as no:
        make_listing(licensee, pieces=[child])

    assert no.value.code == "derivative_resale"
    assert not Listing.objects.filter(creator=licensee).exists()


def test_a_chain_of_own_edits_credits_the_first_other_creator(creator, original, licensee):
    licensed(original, licensee, "exclusive")
    first = upscale(original, licensee)
    second, _, _ = edited_piece(parent=first, kind="variation", human=("parent",), seed=9)

    listing = make_listing(licensee, pieces=[second], publish=True)

    credit = derived_from(piece=second)
    assert (listing.status, credit.piece_id, credit.holder) == ("published", original.pk, creator)


def test_an_edit_is_still_blocked_as_a_near_duplicate_of_an_unrelated_creators_piece(
    original, licensee
):
    licensed(original, licensee, "extended")
    make_piece(UserFactory(creator=True), image=art(4711))
    child, _, _ = edited_piece(parent=original, owner=licensee, image=art(4711))

    with pytest.raises(ApplicationError, match="nearly identical") as no:
        make_listing(licensee, pieces=[child])

    assert no.value.code == "near_duplicate"
    assert not Listing.objects.filter(creator=licensee).exists()


def test_a_licence_revoked_after_the_draft_stops_publication(original, licensee):
    grant = licensed(original, licensee, "extended")
    child = upscale(original, licensee)
    draft = make_listing(licensee, pieces=[child])
    LicenceGrant.objects.filter(pk=grant.pk).update(status="revoked", revoked_at=grant.issued_at)

    with pytest.raises(ApplicationError) as no:
        listing_publish(listing=draft, actor=licensee)

    assert no.value.code == "derivative_resale"
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not LedgerEntry.objects.filter(piece=child, kind="listed").exists()


def test_the_refusal_is_a_form_error_and_stores_nothing(client, original, licensee):
    licensed(original, licensee, "standard")
    child = upscale(original, licensee)
    client.force_login(licensee)
    data = {
        "pieces": [str(child.pk)],
        "title": "My edit",
        "category": "landscape",
        "price": "12.50",
        "currency": "USD",
    }

    response = client.post(reverse("listing_create"), data)

    assert response.status_code == 400
    assert "you hold no licence for that piece that allows selling edits" in (
        response.content.decode()
    )
    assert not Listing.objects.filter(creator=licensee).exists()


def test_with_no_subscriber_the_hook_allows_no_resale(original, licensee):
    licensed(original, licensee, "extended")
    child, _, _ = edited_piece(parent=original, owner=licensee, seed=8)
    credit = derived_from(piece=child)
    assert derivative_resale_allowed(user=licensee, credit=credit)

    may_resell_derivative.unregister(licensee_may_sell_edits)
    try:
        assert not derivative_resale_allowed(user=licensee, credit=credit)
    finally:
        may_resell_derivative.register(licensee_may_sell_edits)


def moved_to(piece, holder) -> None:
    """What disputes' rights transfer does to the record of an upheld infringement claim."""
    piece.provenance.rights_holder = holder
    piece.provenance.save(update_fields=["rights_holder"])


def test_after_a_rights_transfer_the_new_holder_is_credited(creator, original, licensee):
    claimant = UserFactory(creator=True, display_name="Cleo Claimant")
    child, _, _ = edited_piece(parent=original, owner=licensee, seed=8)
    moved_to(original, claimant)

    credit = derived_from(piece=child)

    assert (credit.piece_id, credit.holder) == (original.pk, claimant)
    with pytest.raises(ApplicationError, match="edit of Cleo Claimant's piece"):
        make_listing(licensee, pieces=[child])


def test_the_new_holder_lists_edits_of_a_transferred_piece_without_a_licence(original):
    claimant = UserFactory(creator=True, display_name="Cleo Claimant")
    moved_to(original, claimant)
    child, _, _ = edited_piece(parent=original, owner=claimant, seed=8)

    listing = make_listing(claimant, pieces=[child], publish=True)

    assert (listing.status, derived_from(piece=child)) == ("published", None)
