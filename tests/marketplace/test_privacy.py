"""Privacy: the data export zip, account deletion (pseudonymised, rights kept), the pages."""

import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from commissions.models import Commission, CommissionReference
from commissions.services import brief
from commissions.services.credit import commission_instant_pay_with_credit
from commissions.services.payment import commission_settle_job
from core.errors import ApplicationError
from disputes.services.decisions import dispute_decide
from disputes.services.filing import dispute_file
from disputes.services.remedies import remedy_refund
from generation.models import JobStatus, Piece
from generation.services.edits import job_create_edit
from generation.services.uploads import UploadSpec, job_create_from_upload
from licensing.models import GrantStatus, LicenceGrant
from marketplace.models import AccountEvent, Favourite, ListingStatus, User
from marketplace.services.engagement import favourite_toggle
from marketplace.services.privacy import account_delete, account_export
from payments.models import CreditAccount, CreditEntry, Order, OrderLine
from payments.services.credit import credit_topup_order_create
from payments.services.webhooks import webhook_process, webhook_receive
from provenance.models import LedgerEntry, ProvenanceRecord
from tests.commissions.factories import make_style, pay, run_job
from tests.commissions.test_services_brief import make_brief
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory, image_upload
from tests.generation.factories import scripted_piece
from tests.marketplace.factories import make_listing, make_piece
from tests.payments import conftest as payments_fixtures
from tests.payments.conftest import session_completed
from tests.payments.factories import make_order, open_session
from tests.provenance.factories import FinishedJobFactory

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
    assert data["email_addresses"] == [{"email": creator.email, "primary": True, "verified": True}]
    assert data["second_factors"] == []
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
    TOTP.activate(creator, TOTP_SECRET)
    piece = sold.pieces.get()
    favourite_toggle(user=creator, listing=make_listing(UserFactory(creator=True), publish=True))
    queued = FinishedJobFactory(owner=creator, status=JobStatus.QUEUED)
    ledger_before = LedgerEntry.objects.count()

    account_delete(user=creator, password=PASSWORD)

    creator.refresh_from_db()
    assert creator.email == f"deleted-{creator.pk}@invalid"
    assert creator.display_name == "Deleted creator" and creator.bio == ""
    assert creator.is_active is False and not creator.has_usable_password()
    assert AccountEvent.objects.filter(user=creator, kind="account_deleted").exists()
    assert not Favourite.objects.filter(user=creator).exists()
    assert not EmailAddress.objects.filter(user=creator).exists()
    assert not Authenticator.objects.filter(user=creator).exists()
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


# --- commissions, brief references and prepaid credit ---------------------------------------


def top_up(buyer, amount):
    order = open_session(credit_topup_order_create(buyer=buyer, amount=amount))
    webhook_process(webhook_event_id=webhook_receive(event=session_completed(order)).pk)
    return order


def completed_instant(buyer, style):
    """Paid from credit, run, settled: a completed instant commission."""
    commission, _ = commission_instant_pay_with_credit(
        buyer=buyer, style=style, prompt="a lighthouse"
    )
    run_job(commission.job)
    commission_settle_job(job_id=commission.job_id)
    commission.refresh_from_db()
    return commission


def accepted_brief(buyer, creator, *, references=()):
    commission = make_brief(buyer, creator, references=list(references))
    brief.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(brief.commission_brief_order(commission=commission, buyer=buyer))
    brief.commission_brief_deliver(
        commission=commission, actor=creator, pieces=[make_piece(creator)]
    )
    brief.commission_brief_accept(commission=commission, actor=buyer)
    commission.refresh_from_db()
    return commission


def refunded_after_dispute(buyer, creator, moderator, *, references=()):
    """A delivered brief the buyer disputed; the moderator refunded it and decided."""
    commission = make_brief(buyer, creator, references=list(references))
    brief.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(brief.commission_brief_order(commission=commission, buyer=buyer))
    brief.commission_brief_deliver(
        commission=commission, actor=creator, pieces=[make_piece(creator)]
    )
    dispute = dispute_file(
        claimant=buyer,
        kind="non_delivery",
        statement="The delivered file is not the fox poster I asked for.",
        commission=commission,
    )
    remedy_refund(dispute=dispute, actor=moderator, note="Wrong file")
    dispute_decide(dispute=dispute, actor=moderator, outcome="upheld", decision="Refunded.")
    commission.refresh_from_db()
    return commission


@pytest.fixture
def commerce(buyer, creator, fake_stripe):
    """The buyer bought 20.00 of credit, spent 5.00 on an instant commission and sent an
    accepted brief with two reference images (paid 40.00 by card)."""
    style = make_style(creator)
    top_up(buyer, 2000)
    instant = completed_instant(buyer, style)
    uploads = [image_upload(name="a.png", size=(40, 30)), image_upload(name="b.jpg", fmt="JPEG")]
    return {
        "style": style,
        "instant": instant,
        "brief": accepted_brief(buyer, creator, references=uploads),
    }


def export_of(user):
    archive = zipfile.ZipFile(io.BytesIO(account_export(user=user)))
    return archive, json.loads(archive.read("data.json"))


def test_export_holds_the_buyers_commissions_with_their_history(buyer, creator, commerce):
    instant, brief_c = commerce["instant"], commerce["brief"]
    _, data = export_of(buyer)

    first, second = data["commissions"]
    version = instant.style_version
    assert {k: first[k] for k in first if k not in ("created_at", "updated_at", "events")} == {
        "id": str(instant.pk),
        "role": "buyer",
        "kind": "instant",
        "status": "completed",
        "buyer_id": buyer.pk,
        "creator_id": creator.pk,
        "style_id": str(version.style_id),
        "style_version_id": str(version.pk),
        "style_version_number": 1,
        "prompt": "a lighthouse",
        "negative_prompt": "",
        "count": 1,
        "brief": "",
        "deadline": None,
        "currency": "USD",
        "budget_amount": None,
        "quote_amount": None,
        "price_amount": 500,
        "creator_amount": 400,
        "order_id": str(instant.order_line.order_id),
        "order_status": "paid",
        "tier_code": "standard",
        "revisions_used": 0,
        "max_revisions": 2,
        "review_deadline": None,
        "delivered_piece_ids": [str(Piece.objects.get(job=instant.job).pk)],
        "references": [],
    }
    assert [(e["from_status"], e["to_status"], e["by_you"]) for e in first["events"]] == [
        ("", "awaiting_payment", True),
        ("awaiting_payment", "in_progress", False),
        ("in_progress", "completed", False),
    ]
    assert first["events"][1]["source"] == "credit"

    refs = list(brief_c.references.order_by("pk"))
    assert second["id"] == str(brief_c.pk) and second["kind"] == "brief"
    assert (second["status"], second["style_id"], second["style_version_id"]) == (
        "completed",
        None,
        None,
    )
    assert (second["budget_amount"], second["quote_amount"], second["price_amount"]) == (
        5000,
        4000,
        4000,
    )
    assert second["brief"] == "A poster of a fox in a snowy forest"
    assert second["delivered_piece_ids"] == [str(brief_c.delivered_pieces.get().pk)]
    assert second["references"] == [
        f"files/commission-references/{brief_c.pk}/{r.pk}.png" for r in refs
    ]
    assert [e["to_status"] for e in second["events"]] == [
        "requested",
        "quoted",
        "awaiting_payment",
        "in_progress",
        "delivered",
        "completed",
    ]
    assert [e["by_you"] for e in second["events"]] == [True, False, True, False, False, True]


def test_export_zips_the_buyers_reference_images(buyer, commerce):
    archive, _ = export_of(buyer)
    refs = list(commerce["brief"].references.order_by("pk"))
    assert len(refs) == 2
    for ref in refs:
        with storages["default"].open(ref.image.name, "rb") as handle:
            stored = handle.read()
        name = f"files/commission-references/{commerce['brief'].pk}/{ref.pk}.png"
        assert archive.read(name) == stored and stored.startswith(b"\x89PNG")


def test_export_for_the_creator_lists_commissions_received_without_the_buyers_files(
    creator, commerce
):
    archive, data = export_of(creator)
    assert [(c["role"], c["kind"]) for c in data["commissions"]] == [
        ("creator", "instant"),
        ("creator", "brief"),
    ]
    assert data["commissions"][1]["references"] == 2  # how many, not the buyer's files
    assert data["commissions"][1]["events"][1]["by_you"] is True  # the creator quoted
    assert not [n for n in archive.namelist() if n.startswith("files/commission-references/")]
    assert data["credit_accounts"] == []


def test_export_holds_the_credit_account_and_every_entry(buyer, commerce):
    _, data = export_of(buyer)
    (account,) = data["credit_accounts"]
    assert (account["currency"], account["balance"]) == ("USD", 1500)
    entries = [
        {k: e[k] for k in ("kind", "amount", "balance_after", "order_id", "order_line_id")}
        for e in account["entries"]
    ]
    topup = Order.objects.get(lines__tier_code="credit")
    spend_order = commerce["instant"].order_line.order
    assert entries == [
        {
            "kind": "top_up",
            "amount": 2000,
            "balance_after": 2000,
            "order_id": str(topup.pk),
            "order_line_id": topup.lines.get().pk,
        },
        {
            "kind": "spend",
            "amount": -500,
            "balance_after": 1500,
            "order_id": str(spend_order.pk),
            "order_line_id": None,
        },
    ]
    assert account["entries"][1]["note"] == f"Order {spend_order.pk}"


def test_delete_with_credit_left_is_refused_and_changes_nothing(client, buyer, commerce):
    entries = list(CreditEntry.objects.values_list("pk", "amount"))
    client.force_login(buyer)
    response = client.post(reverse("privacy_settings"), {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "You still have 15.00 USD of prepaid credit, which cannot be refunded." in page
    buyer.refresh_from_db()
    assert buyer.is_active and buyer.email != f"deleted-{buyer.pk}@invalid"
    assert list(CreditEntry.objects.values_list("pk", "amount")) == entries
    assert CreditAccount.objects.get(user=buyer).balance == 1500
    assert commerce["brief"].references.count() == 2
    assert not AccountEvent.objects.filter(kind="account_deleted").exists()


def test_delete_keeps_money_records_and_removes_reference_images(
    buyer, creator, moderator, fake_stripe
):
    style = make_style(creator)
    top_up(buyer, 500)
    instant = completed_instant(buyer, style)  # spends the whole balance
    done = accepted_brief(buyer, creator, references=[image_upload()])
    done_ref = done.references.get()
    disputed = refunded_after_dispute(buyer, creator, moderator, references=[image_upload()])
    pending = make_brief(buyer, creator, references=[image_upload()])
    entries = list(CreditEntry.objects.order_by("pk").values_list("pk", "kind", "amount"))
    lines = list(OrderLine.objects.order_by("pk").values_list("pk", "amount", "creator_amount"))

    account_delete(user=buyer, password=PASSWORD)

    buyer.refresh_from_db()
    assert buyer.email == f"deleted-{buyer.pk}@invalid" and buyer.display_name == "Deleted user"
    assert list(CreditEntry.objects.order_by("pk").values_list("pk", "kind", "amount")) == entries
    account = CreditAccount.objects.get()
    assert (account.user_id, account.balance) == (buyer.pk, 0)
    assert list(OrderLine.objects.order_by("pk").values_list("pk", "amount", "creator_amount")) == (
        lines
    )
    assert Commission.objects.filter(buyer=buyer).count() == 4
    assert disputed.status == "refunded" and disputed.disputes.get().status == "decided"
    instant.refresh_from_db()
    assert instant.status == "completed" and instant.order_line.order.status == "paid"
    # the buyer's own uploads go, except those a moderator still handles as evidence
    assert not CommissionReference.objects.filter(pk=done_ref.pk).exists()
    assert not storages["default"].exists(done_ref.image.name)
    assert disputed.references.count() == 1
    assert not pending.references.exists()
    # a brief nobody paid for is withdrawn, with its history row
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    event = pending.events.last()
    assert (event.from_status, event.actor_id, event.message) == (
        "requested",
        buyer.pk,
        "Cancelled: the buyer closed their account.",
    )


@pytest.mark.parametrize("who", ["buyer", "creator"])
def test_delete_with_a_commission_in_progress_is_refused(buyer, creator, who):
    commission = make_brief(buyer, creator)
    brief.commission_brief_quote(commission=commission, actor=creator, quote_amount=4000)
    pay(brief.commission_brief_order(commission=commission, buyer=buyer))
    user = buyer if who == "buyer" else creator

    with pytest.raises(
        ApplicationError, match="You have 1 commission awaiting payment, in progress or delivered"
    ) as error:
        account_delete(user=user, password=PASSWORD)

    assert error.value.code == "open_commissions"
    user.refresh_from_db()
    assert user.is_active
    commission.refresh_from_db()
    assert commission.status == "in_progress" and commission.references.count() == 0


def test_export_holds_edit_jobs_and_their_painted_masks(buyer, scripted_engine, generation_wakeups):
    parent = scripted_piece(buyer)
    mask = Image.new("L", (256, 256), 0)
    mask.paste(255, (0, 0, 64, 64))
    job = job_create_edit(owner=buyer, piece=parent, kind="inpaint", strength=0.5, mask=mask)

    archive = zipfile.ZipFile(io.BytesIO(account_export(user=buyer)))

    data = json.loads(archive.read("data.json"))
    [edit] = [row for row in data["jobs"] if row["id"] == str(job.pk)]
    assert (edit["edit_kind"], edit["parent_piece_id"], edit["strength"]) == (
        "inpaint",
        str(parent.pk),
        0.5,
    )
    with job.mask.open("rb") as handle:
        assert archive.read(f"files/masks/{job.pk}.png") == handle.read()


def test_export_holds_the_pictures_uploaded_to_start_from(
    buyer, scripted_engine, generation_wakeups
):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("mine.png", buffer.getvalue())
    spec = UploadSpec(prompt="a blue wall, painted", strength=0.5, engine="scripted")
    job = job_create_from_upload(owner=buyer, upload=upload, spec=spec)

    archive = zipfile.ZipFile(io.BytesIO(account_export(user=buyer)))

    [row] = [
        row for row in json.loads(archive.read("data.json"))["jobs"] if row["id"] == str(job.pk)
    ]
    assert (row["edit_kind"], row["source_sha256"]) == ("image", job.source_sha256)
    assert archive.read(f"files/uploads/{job.pk}.png") == buffer.getvalue()


def test_delete_erases_painted_masks_and_uploaded_sources_after_commit(
    buyer, scripted_engine, generation_wakeups, django_capture_on_commit_callbacks
):
    parent = scripted_piece(buyer)
    mask = Image.new("L", (256, 256), 0)
    mask.paste(255, (0, 0, 64, 64))
    inpaint = job_create_edit(owner=buyer, piece=parent, kind="inpaint", strength=0.5, mask=mask)
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (20, 120, 200)).save(buffer, format="PNG")
    spec = UploadSpec(prompt="a blue wall, painted", strength=0.5, engine="scripted")
    upload = job_create_from_upload(
        owner=buyer, upload=SimpleUploadedFile("mine.png", buffer.getvalue()), spec=spec
    )
    someone_else = job_create_edit(
        owner=(other := UserFactory()),
        piece=scripted_piece(other),
        kind="inpaint",
        strength=0.5,
        mask=mask,
    )
    files = [inpaint.mask.name, upload.source_upload.name]
    storage = storages["default"]
    assert all(storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=buyer, password=PASSWORD)

    assert not any(storage.exists(name) for name in files)
    assert storage.exists(someone_else.mask.name)
    upload.refresh_from_db()  # the row keeps the hash its provenance cites
    assert upload.source_sha256 and upload.source_upload.name == files[1]
