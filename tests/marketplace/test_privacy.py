"""Privacy: the data export zip, account deletion (pseudonymised, rights kept), the pages."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from generation.models import JobStatus
from licensing.models import GrantStatus, LedgerEntry, LicenceGrant, ProvenanceRecord
from marketplace.models import AccountEvent, Favourite, ListingStatus, User
from marketplace.payments.services.webhooks import webhook_process, webhook_receive
from marketplace.services.engagement import favourite_toggle
from marketplace.services.privacy import account_delete, account_export
from tests.factories import PASSWORD, UserFactory
from tests.licensing.factories import GenerationJobFactory
from tests.marketplace.factories import make_listing
from tests.payments import conftest as payments_fixtures
from tests.payments.conftest import session_completed
from tests.payments.factories import make_order

pytestmark = pytest.mark.django_db

fake_stripe = payments_fixtures.fake_stripe


@pytest.fixture
def sold(creator, buyer, fake_stripe):
    listing = make_listing(creator, publish=True, title="Harbour lights")
    order = make_order(buyer=buyer, listing=listing, amount=2000)
    webhook_process(webhook_event_id=webhook_receive(event=session_completed(order)).pk)
    return listing


def test_export_holds_json_and_the_users_files(client, sold, creator):
    piece = sold.pieces.get()
    client.force_login(creator)
    response = client.post(reverse("privacy_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="promptfolio-data-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"data.json", "README.txt", f"files/pieces/{piece.pk}.png"} <= names
    with piece.original.open("rb") as handle:
        assert archive.read(f"files/pieces/{piece.pk}.png") == handle.read()
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == creator.email
    assert [p["id"] for p in data["pieces"]] == [str(piece.pk)]
    assert [lst["title"] for lst in data["listings"]] == ["Harbour lights"]
    assert len(data["licences_sold"]) == 1 and data["licences_held"] == []
    assert data["provenance_records"][0]["piece_id"] == str(piece.pk)


def test_export_for_a_buyer_lists_orders_and_licences(sold, buyer):
    archive = zipfile.ZipFile(io.BytesIO(account_export(user=buyer)))
    data = json.loads(archive.read("data.json"))
    assert [o["status"] for o in data["orders"]] == ["paid"]
    assert [g["status"] for g in data["licences_held"]] == ["active"]
    assert not [n for n in archive.namelist() if n.startswith("files/pieces/")]


def test_export_needs_login_and_post(client):
    assert client.post(reverse("privacy_export")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("privacy_export")).status_code == 405


def test_delete_pseudonymises_and_keeps_rights(sold, creator, buyer):
    piece = sold.pieces.get()
    favourite_toggle(user=creator, listing=make_listing(UserFactory(creator=True), publish=True))
    queued = GenerationJobFactory(owner=creator, status=JobStatus.QUEUED)
    ledger_before = LedgerEntry.objects.count()

    account_delete(user=creator, password=PASSWORD)

    creator.refresh_from_db()
    assert creator.email == f"deleted-{creator.pk}@invalid"
    assert creator.display_name == "Deleted creator" and creator.bio == ""
    assert creator.is_active is False and not creator.has_usable_password()
    assert AccountEvent.objects.filter(user=creator, kind="account_deleted").exists()
    assert not Favourite.objects.filter(user=creator).exists()
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED
    sold.refresh_from_db()
    assert sold.status == ListingStatus.DRAFT
    record = ProvenanceRecord.objects.get(piece=piece)
    assert record.creator_id == creator.pk and record.creator_name == "Deleted creator"
    grant = LicenceGrant.objects.get()
    assert grant.licensee == buyer and grant.status == GrantStatus.ACTIVE
    assert LedgerEntry.objects.count() == ledger_before  # append-only: nothing removed


def test_delete_needs_the_password(client, creator):
    client.force_login(creator)
    response = client.post(reverse("privacy_settings"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    creator.refresh_from_db()
    assert creator.is_active


def test_delete_through_the_page_logs_out(client, creator):
    client.force_login(creator)
    response = client.post(reverse("privacy_settings"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(pk=creator.pk).is_active
    assert not client.login(email=creator.email, password=PASSWORD)


def test_privacy_page_explains_retention(client):
    response = client.get(reverse("privacy"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "What is kept, and why" in page and "append-only" in page
