"""Source-artist claims: filing, identity verified once, the public banner, withdrawing the
style, rejection; the pages and who may see or act on a claim."""

import pytest
from django.urls import reverse

from core.errors import ApplicationError, PermissionDeniedError
from core.models import Notification
from disputes.models import ArtistClaim, ArtistClaimStatus, VerifiedArtist
from disputes.services.artist_claims import (
    artist_claim_banner,
    artist_claim_block_name,
    artist_claim_file,
    artist_claim_reject,
    artist_claim_withdraw_style,
    artist_identity_verify,
)
from generation.models import ProtectedName, StyleEvent, StyleStatus
from generation.services.prompt_policy import prompt_policy_check
from tests.commissions.factories import make_style
from tests.factories import UserFactory
from tests.marketplace.factories import make_piece

pytestmark = pytest.mark.django_db

STATEMENT = "This style is sold as 'in the manner of Ada Brush', my name, without consent."
BANNER = "Ada Brush says this style uses her name without consent; under review."


@pytest.fixture
def style(creator):
    return make_style(creator)


@pytest.fixture
def artist(db):
    return UserFactory(display_name="Ada Brush")


def file_claim(artist, style, **fields):
    values = {
        "claimant": artist,
        "kind": "style_imitation",
        "style": style,
        "artist_name": "Ada Brush",
        "statement": STATEMENT,
        "evidence_links": ["https://adabrush.example/about"],
    }
    return artist_claim_file(**{**values, **fields})


def actions(claim):
    return list(claim.events.values_list("action", flat=True))


def test_filing_a_style_claim_tells_the_creator_and_moderators(artist, style, creator, moderator):
    claim = file_claim(artist, style)
    assert claim.respondent == creator
    assert claim.status == ArtistClaimStatus.OPEN
    assert actions(claim) == ["filed"]
    for user in (artist, creator, moderator):
        assert Notification.objects.filter(user=user, ref=f"artist_claim:{claim.pk}").exists()


def test_bad_claims_store_nothing(artist, style, creator):
    with pytest.raises(ApplicationError) as short:
        file_claim(artist, style, statement="my name")
    assert short.value.field == "statement"
    with pytest.raises(ApplicationError, match="your own work"):
        file_claim(creator, style)
    with pytest.raises(ApplicationError) as no_piece:
        file_claim(artist, None, kind="piece_copy")
    assert no_piece.value.field == "kind"
    assert not ArtistClaim.objects.exists()


def test_a_piece_claim_is_against_the_piece_owner(artist, creator):
    piece = make_piece(creator)
    claim = file_claim(artist, None, kind="piece_copy", piece=piece)
    assert claim.respondent == creator
    assert claim.piece == piece


def test_remedies_need_the_identity_verified_once(artist, style, moderator, creator):
    claim = file_claim(artist, style)
    with pytest.raises(ApplicationError, match="Verify the artist"):
        artist_claim_banner(claim=claim, moderator=moderator, text=BANNER)
    with pytest.raises(PermissionDeniedError):
        artist_identity_verify(claim=claim, moderator=creator, method="Video call")
    with pytest.raises(ApplicationError):
        artist_identity_verify(claim=claim, moderator=moderator, method=" ")
    verified = artist_identity_verify(
        claim=claim, moderator=moderator, method="Video call; matched passport and portfolio"
    )
    assert verified.user == artist
    assert verified.verified_by == moderator
    assert verified.verified_at is not None
    assert actions(claim) == ["filed", "identity_verified"]
    with pytest.raises(ApplicationError, match="already verified"):
        artist_identity_verify(claim=claim, moderator=moderator, method="again")

    later = file_claim(artist, make_style(creator, title="Second style"))
    assert later.events.get().data == {"verified_artist": True}
    artist_claim_banner(claim=later, moderator=moderator, text=BANNER)  # no second check
    assert VerifiedArtist.objects.count() == 1


def test_banner_is_shown_to_the_public(client, artist, style, moderator):
    claim = file_claim(artist, style)
    artist_identity_verify(claim=claim, moderator=moderator, method="Email from her site")
    url = reverse("style_detail", args=[style.pk])
    assert "An artist has raised a claim" not in client.get(url).text
    claim = artist_claim_banner(claim=claim, moderator=moderator, text=BANNER)
    assert claim.status == ArtistClaimStatus.ACTED_ON
    assert actions(claim)[-1] == "banner_shown"
    page = client.get(url)
    assert page.status_code == 200
    assert f"An artist has raised a claim about this style: {BANNER}" in page.text


def test_withdrawing_the_style(artist, style, moderator, creator):
    claim = file_claim(artist, style)
    artist_identity_verify(claim=claim, moderator=moderator, method="Gallery reference")
    with pytest.raises(ApplicationError):
        artist_claim_withdraw_style(claim=claim, moderator=moderator, note="")
    artist_claim_withdraw_style(claim=claim, moderator=moderator, note="Uses her name.")
    style.refresh_from_db()
    assert style.status == StyleStatus.WITHDRAWN
    event = StyleEvent.objects.filter(style=style).latest("created_at")
    assert event.actor == moderator
    assert str(claim.pk) in event.message
    assert actions(claim)[-1] == "style_withdrawn"
    assert Notification.objects.filter(user=creator, subject__contains="withdrawn").exists()


def test_rejection_ends_the_claim(artist, style, moderator):
    claim = file_claim(artist, style)
    claim = artist_claim_reject(claim=claim, moderator=moderator, note="Generic style name.")
    assert claim.status == ArtistClaimStatus.REJECTED
    with pytest.raises(ApplicationError, match="rejected"):
        artist_identity_verify(claim=claim, moderator=moderator, method="x")


def test_filing_through_the_form(client, artist, style):
    client.force_login(artist)
    url = reverse("disputes:artist_claim_new") + f"?style={style.pk}"
    assert url in client.get(reverse("style_detail", args=[style.pk])).text
    data = {
        "kind": "style_imitation",
        "artist_name": "Ada Brush",
        "statement": STATEMENT,
        "evidence_links": "not a link",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert refused.context["form"].errors["evidence_links"]
    assert not ArtistClaim.objects.exists()
    data["evidence_links"] = "https://adabrush.example/about\n\nadabrush.example/cv"
    response = client.post(url, data)
    claim = ArtistClaim.objects.get()
    assert response["Location"] == claim.get_absolute_url()
    assert claim.evidence_links == ["https://adabrush.example/about", "https://adabrush.example/cv"]
    assert claim.get_absolute_url() in client.get(reverse("disputes:dispute_list")).text
    assert client.get(reverse("disputes:artist_claim_new") + "?style=junk").status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("artist", 200), ("creator", 200), ("moderator", 200), ("other", 404)],
)
def test_only_the_parties_and_moderators_see_a_claim(
    client, artist, style, creator, moderator, role, expected
):
    claim = file_claim(artist, style)
    users = {"artist": artist, "creator": creator, "moderator": moderator, "other": UserFactory()}
    if role in users:
        client.force_login(users[role])
    assert client.get(claim.get_absolute_url()).status_code == expected


def test_moderator_buttons(client, artist, style, moderator, creator):
    claim = file_claim(artist, style)
    url = reverse("disputes:artist_claim_action", args=[claim.pk])
    client.force_login(creator)
    assert client.post(url, {"action": "reject", "note": "no"}).status_code == 404
    client.force_login(moderator)
    client.post(url, {"action": "banner", "note": BANNER})
    claim.refresh_from_db()
    assert claim.banner_text == ""  # refused: identity not verified yet
    client.post(url, {"action": "verify_identity", "note": "Video call"})
    client.post(url, {"action": "banner", "note": BANNER})
    claim.refresh_from_db()
    assert claim.banner_text == BANNER
    assert "Verified by" in client.get(claim.get_absolute_url()).text
    client.post(url, {"action": "block_name", "note": "Sold under her name."})
    assert ProtectedName.objects.get().style_id == style.pk


def test_blocking_the_name_refuses_it_in_prompts_for_that_style_only(
    artist, style, moderator, creator
):
    other_style = make_style(creator, title="Other style")
    claim = file_claim(artist, style)
    with pytest.raises(ApplicationError, match="Verify the artist"):
        artist_claim_block_name(claim=claim, moderator=moderator, note="Uses her name.")
    assert prompt_policy_check(prompt="a harbour by Ada Brush", style=style) is None
    artist_identity_verify(claim=claim, moderator=moderator, method="Video call")
    claim = artist_claim_block_name(claim=claim, moderator=moderator, note="Uses her name.")
    entry = ProtectedName.objects.get()
    assert (entry.kind, entry.style_id, entry.active) == ("artist", style.pk, True)
    assert claim.events.get(action="name_blocked").data["protected_name"] == entry.pk
    assert prompt_policy_check(prompt="a harbour by Ada Brush", style=style) is not None
    assert prompt_policy_check(prompt="a harbour by Ada Brush", style=other_style) is None
    assert Notification.objects.filter(user=creator, subject__contains="now refused").exists()
