"""Pieces with signed original links, the public catalogue, and licences with certificates."""

import pytest
import requests
from django.conf import settings
from django.core import signing
from django.test import Client

from licensing.services.grants import licence_grant_issue, licence_grant_revoke
from tests.api.conftest import post
from tests.factories import UserFactory
from tests.licensing.licences import paid_line, published_listing
from tests.marketplace.factories import make_piece

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("provenance_settings")]


ON_S3 = "S3" in settings.STORAGES["default"]["BACKEND"]


def _download(url: str) -> tuple[int, bytes]:
    """(status, body) of a link: our own views through the test client, an S3 presigned or
    public URL (CI's moto server) over HTTP."""
    if url.startswith("http://testserver/"):
        response = Client().get(url.removeprefix("http://testserver"))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, body
    response = requests.get(url, timeout=30)
    return response.status_code, response.content


def test_my_pieces_carry_preview_and_signed_original_links(buyer, as_buyer):
    piece = make_piece(buyer)
    make_piece(UserFactory())

    items = as_buyer.get("/api/v1/pieces").json()["items"]

    assert [item["id"] for item in items] == [str(piece.pk)]
    status, body = _download(items[0]["original_url"])
    assert status == 200 and body == piece.original.open("rb").read()
    assert _download(items[0]["preview_url"])[0] == 200
    if not ON_S3:
        url = items[0]["original_url"].removeprefix("http://testserver")
        assert Client().get(url)["Cache-Control"] == "private, no-store"


def test_an_original_link_expires(buyer, as_buyer, settings, monkeypatch):
    settings.API_ORIGINAL_URL_SECONDS = 60
    make_piece(buyer)
    if ON_S3:  # S3 enforces a presigned URL's lifetime itself
        url = as_buyer.get("/api/v1/pieces").json()["items"][0]["original_url"]
        assert "X-Amz-Expires=60" in url
        return
    signed_at = 1_800_000_000.0
    monkeypatch.setattr(signing.time, "time", lambda: signed_at)
    url = as_buyer.get("/api/v1/pieces").json()["items"][0]["original_url"]
    monkeypatch.setattr(signing.time, "time", lambda: signed_at + 59)
    assert _download(url)[0] == 200
    monkeypatch.setattr(signing.time, "time", lambda: signed_at + 61)
    assert _download(url)[0] == 404


@pytest.mark.skipif(ON_S3, reason="S3 checks its own presigned signatures (moto does not)")
def test_a_tampered_original_link_is_refused(buyer, as_buyer):
    make_piece(buyer)
    url = as_buyer.get("/api/v1/pieces").json()["items"][0]["original_url"]
    assert _download(url[:-3] + "abc")[0] == 404


def test_licences_list_certificates_and_licensed_originals(tiers, creator, buyer, as_buyer):
    listing = published_listing(creator)
    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)

    [licence] = as_buyer.get("/api/v1/licences").json()["items"]

    assert (licence["id"], licence["status"], licence["tier"]) == (
        str(grant.pk),
        "active",
        "standard",
    )
    pdf = as_buyer.get(licence["certificate_pdf_url"].removeprefix("http://testserver"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert str(grant.certificate.pk) in licence["certificate_verify_url"]
    [piece] = licence["pieces"]
    assert _download(piece["original_url"])[0] == 200

    licence_grant_revoke(grant=grant, actor=creator, reason="chargeback")

    if not ON_S3:  # our own link re-checks the licence; a presigned one just expires
        assert _download(piece["original_url"])[0] == 404
    [revoked] = as_buyer.get("/api/v1/licences").json()["items"]
    assert revoked["status"] == "revoked" and revoked["pieces"][0]["original_url"] is None


def test_someone_else_s_certificate_is_a_404(tiers, creator, buyer, issue_token, api_client):
    listing = published_listing(creator)
    grant = licence_grant_issue(order_line=paid_line(listing=listing, buyer=buyer), licensee=buyer)
    stranger = api_client(issue_token(UserFactory()))
    assert stranger.get(f"/api/v1/licences/{grant.pk}/certificate.pdf").status_code == 404
    assert stranger.get("/api/v1/licences").json()["items"] == []


def test_listings_are_the_published_catalogue_searchable(creator, as_buyer):
    lighthouse = published_listing(creator, title="Lighthouse at dusk", category="landscape")
    published_listing(
        creator,
        title="Portrait of a cat",
        category="portrait",
        tags=["cat"],
        description="A sleepy tabby.",
    )
    from tests.marketplace.factories import make_listing  # noqa: PLC0415

    make_listing(creator, title="Draft lighthouse")  # not published

    everything = as_buyer.get("/api/v1/listings").json()["items"]
    found = as_buyer.get("/api/v1/listings", {"q": "coastal"}).json()["items"]
    portraits = as_buyer.get("/api/v1/listings", {"category": "portrait"}).json()["items"]

    assert {item["title"] for item in everything} == {"Lighthouse at dusk", "Portrait of a cat"}
    assert [item["id"] for item in found] == [str(lighthouse.pk)]
    assert [item["title"] for item in portraits] == ["Portrait of a cat"]
    assert _download(found[0]["cover_preview_url"])[0] == 200
    assert as_buyer.get("/api/v1/listings", {"category": "nope"}).status_code == 400


def test_a_session_post_needs_the_csrf_token(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = post(client, "/api/v1/jobs", {"prompt": "x", "width": 256, "height": 256})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
