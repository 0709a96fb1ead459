"""The floor-plan migrations keep every row: a database made and filled at the previous main's
schema (rows written with the historical models) migrates to the new layout, where the moved
models (provenance, disputes, core) read the same rows through the same tables, and back."""

import datetime as dt
import uuid

import pytest
from django.apps import apps as current_apps
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.models import Notification
from disputes.models import Dispute, DisputeEvent, DisputeMessage, Evidence
from generation.models import Piece
from licensing.models import LicenceGrant, TermsVersion
from marketplace.models import Listing, User
from payments.models import OrderLine
from provenance import ledger as chain
from provenance.models import LedgerEntry, LedgerHead, PhashIndex, ProvenanceRecord
from provenance.selectors.records import ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)

# The previous main's leaves; the apps made by the floor plan did not exist.
OLD_LEAVES = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("marketplace", "0002_listings"),
    ("generation", "0003_prompt_reviews"),
    ("licensing", "0007_dispute_commission"),
    ("payments", "0004_automatic_refund_owed"),
    ("commissions", "0002_refunded_status"),
    ("core", None),
    ("provenance", None),
    ("disputes", None),
]
OLD_APPS = ["marketplace", "generation", "licensing", "payments", "commissions"]
MOVED = {
    "provenance": ["provenancerecord", "phashindex", "ledgerentry", "ledgerhead"],
    "disputes": ["dispute", "disputeevent", "disputemessage", "evidence"],
    "core": ["notification"],
}
T0 = dt.datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _migrate_to_latest() -> None:
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def _old_apps():
    """Migrate back to the previous main; its historical models."""
    executor = _migrate(OLD_LEAVES)
    assert ("licensing", "0008_notification_ref") not in executor.loader.applied_migrations
    return executor.loader.project_state([node for node in OLD_LEAVES if node[1]]).apps


def _snapshot(apps) -> dict[str, list[dict]]:
    """Every row of every table of the old apps (through tables included), by table name."""
    return {
        model._meta.db_table: list(model.objects.order_by("pk").values())
        for app in OLD_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }


def _fill_people_and_pieces(apps, ids: dict) -> None:
    user_model = apps.get_model("marketplace", "User")
    creator = user_model.objects.create(
        email="ada@example.com", password="!", display_name="Ada", is_creator=True,
        creator_since=T0,
    )  # fmt: skip
    buyer = user_model.objects.create(email="bo@example.com", password="!", display_name="Bo")
    job = apps.get_model("generation", "GenerationJob").objects.create(
        owner=creator, engine="tiny", prompt="a red fox in snow", seed=7, width=64, height=64,
        steps=4, count=2, status="succeeded", progress_step=4, progress_total=4,
    )  # fmt: skip
    piece_model = apps.get_model("generation", "Piece")
    pieces = [
        piece_model.objects.create(
            job=job,
            index=i,
            owner=creator,
            seed=7 + i,
            width=64,
            height=64,
            original=f"pieces/{i}.png",
            preview=f"previews/{i}.webp",
            sha256=f"{i}" * 64,
        )  # fmt: skip
        for i in range(2)
    ]
    ids.update(creator=creator.pk, buyer=buyer.pk, job=job.pk, pieces=[p.pk for p in pieces])


def _fill_provenance(apps, ids: dict) -> None:
    piece = apps.get_model("generation", "Piece").objects.get(pk=ids["pieces"][0])
    apps.get_model("licensing", "ProvenanceRecord").objects.create(
        piece=piece, creator_id=ids["creator"], job_id=ids["job"], creator_name="Ada",
        prompt="a red fox in snow", seed=7, width=64, height=64, steps=4, engine_name="tiny",
        engine_version="tiny-1", sha256="0" * 64, output_sha256="e" * 64, pixel_sha256="f" * 64,
        phash=-1234567890123, watermark_id=4_000_000_000, c2pa_manifest_id="urn:c2pa:fox",
        ledger_anchor=chain.GENESIS, licence_summary="Standard licence",
    )  # fmt: skip
    apps.get_model("licensing", "PhashIndex").objects.create(
        piece=piece, owner_id=ids["creator"], phash=-1234567890123, c0=1, c1=2, c2=65535, c3=0
    )
    entry_model = apps.get_model("licensing", "LedgerEntry")
    events = [
        ("created", ids["creator"], {"sha256": "0" * 64}),
        ("listed", ids["creator"], {"price": 1500}),
        ("licensed", ids["buyer"], {"tier": "standard", "note": "Grüße"}),
    ]
    prev = chain.GENESIS
    for seq, (kind, actor, data) in enumerate(events, start=1):
        created_at = T0 + dt.timedelta(minutes=seq)
        payload = chain.entry_payload(
            seq=seq, prev_hash=prev, kind=kind, piece_id=str(piece.pk), actor_id=actor,
            created_at=created_at, data=data,
        )  # fmt: skip
        entry = entry_model.objects.create(
            seq=seq, piece=piece, kind=kind, actor_id=actor, data=data, created_at=created_at,
            prev_hash=prev, hash=chain.entry_hash(payload),
        )  # fmt: skip
        prev = entry.hash
    apps.get_model("licensing", "LedgerHead").objects.update_or_create(
        id=1, defaults={"seq": len(events), "hash": prev}
    )
    ids["head"] = prev


def _fill_sale(apps, ids: dict) -> None:
    piece_ids = ids["pieces"]
    listing = apps.get_model("marketplace", "Listing").objects.create(
        creator_id=ids["creator"], title="Fox", category="illustration", status="published",
        price_amount=1500, cover_id=piece_ids[0], orientation="square", engine="tiny",
        published_at=T0,
    )  # fmt: skip
    for position, piece_id in enumerate(piece_ids):
        apps.get_model("marketplace", "ListingPiece").objects.create(
            listing=listing, piece_id=piece_id, position=position
        )
    tier = apps.get_model("licensing", "Tier").objects.get(code="standard")  # seeded by 0004
    terms = apps.get_model("licensing", "TermsVersion").objects.get(tier=tier, version=1)
    apps.get_model("licensing", "ListingOffer").objects.create(
        listing=listing, tier=tier, price_amount=1500
    )
    order = apps.get_model("payments", "Order").objects.create(
        buyer_id=ids["buyer"], status="paid", currency="USD", total_amount=1500,
        platform_fee_amount=300, gateway="local", paid_at=T0,
    )  # fmt: skip
    line = apps.get_model("payments", "OrderLine").objects.create(
        order=order, listing=listing, tier_code="standard", description="Fox (Standard)",
        creator_id=ids["creator"], amount=1500, platform_fee_amount=300, creator_amount=1200,
    )  # fmt: skip
    grant = apps.get_model("licensing", "LicenceGrant").objects.create(
        listing=listing, piece_id=piece_ids[0], licensee_id=ids["buyer"], tier=tier,
        terms=terms, terms_version=1, terms_sha256=terms.sha256, price_amount=1500,
        currency="USD", order_line=line, order_ref=str(order.pk), issued_at=T0,
    )  # fmt: skip
    grant.pieces.set(piece_ids)
    ids.update(listing=listing.pk, tier=tier.pk, order=order.pk, line=line.pk, grant=grant.pk)


def _fill_dispute(apps, ids: dict) -> None:
    dispute = apps.get_model("licensing", "Dispute").objects.create(
        kind="licence_breach", target_key=f"grant:{ids['grant']}", statement="Printed on mugs.",
        claimant_id=ids["creator"], respondent_id=ids["buyer"], listing_id=ids["listing"],
        grant_id=ids["grant"],
    )  # fmt: skip
    event = apps.get_model("licensing", "DisputeEvent").objects.create(
        dispute=dispute, action="opened", to_status="open", actor_id=ids["creator"],
        data={"via": "form"},
    )  # fmt: skip
    message = apps.get_model("licensing", "DisputeMessage").objects.create(
        dispute=dispute, author_id=ids["buyer"], body="They were a gift."
    )
    evidence = apps.get_model("licensing", "Evidence").objects.create(
        dispute=dispute, kind="link", url="https://example.com/mug", uploaded_by_id=ids["creator"]
    )
    notification_model = apps.get_model("licensing", "Notification")
    linked = notification_model.objects.create(
        user_id=ids["buyer"], subject="A dispute was opened", url="/disputes/", dispute=dispute
    )
    plain = notification_model.objects.create(user_id=ids["creator"], subject="Welcome")
    ids.update(
        dispute=dispute.pk, event=event.pk, message=message.pk, evidence=evidence.pk,
        linked=linked.pk, plain=plain.pk,
    )  # fmt: skip


def _old_content_types(apps) -> dict[tuple[str, str], int]:
    """The licensing content types the old main had (post_migrate made them there)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    return {
        (app, model): content_type.objects.get_or_create(app_label="licensing", model=model)[0].pk
        for app, models in MOVED.items()
        for model in models
    }


def _expected_after(before: dict[str, list[dict]], ids: dict) -> dict[str, list[dict]]:
    """The old rows as the new layout must show them: only Notification.dispute became ref,
    jobs gained the default priority (generation 0005_job_priority), an empty adapter key
    (0006_style_adapters) and empty edit fields, pieces no parent (0007_edit_jobs), no
    uploaded source (0008_source_upload), terms no
    derivatives (licensing 0010), provenance records the empty edit fields of a fresh
    generation (provenance 0002_edits), orders the empty reconciliation fields
    (payments 0006), the exclusive tier its new name (licensing 0012), evidence no
    original hash (disputes 0002), pieces not hidden (generation 0010) and records no ISCC
    code yet (provenance 0003)."""
    expected = dict(before)
    no_edit = {
        "edit_kind": "",
        "parent_piece_id": None,
        "strength": None,
        "upscale_factor": None,
        "mask": "",
        "mask_sha256": "",
        "source_upload": "",
        "source_sha256": "",
    }
    expected["generation_generationjob"] = [
        {**row, "priority": 0, "adapter_key": "", **no_edit}
        for row in before["generation_generationjob"]
    ]
    expected["generation_piece"] = [
        {**row, "parent_id": None, "hidden_at": None} for row in before["generation_piece"]
    ]
    expected["licensing_termsversion"] = [
        {**row, "derivatives": False, "derivative_resale": False}
        for row in before["licensing_termsversion"]
    ]
    not_an_edit = {"parent_id": None, "edit_kind": "", "edit": {}, "human_contribution": []}
    not_an_edit["iscc_code"] = ""  # provenance 0003: backfill_fingerprints fills it later
    expected["licensing_provenancerecord"] = [
        {**row, **not_an_edit} for row in before["licensing_provenancerecord"]
    ]
    notifications = []
    for row in before["licensing_notification"]:
        row = dict(row)
        dispute_id = row.pop("dispute_id")
        row["ref"] = f"dispute:{dispute_id}" if dispute_id else ""
        notifications.append(row)
    expected["licensing_notification"] = notifications
    assert [row["ref"] for row in notifications] == [f"dispute:{ids['dispute']}", ""]
    # payments 0006: orders opened before it recorded no session figures and no flag.
    not_recorded = {
        "session_amount_total": None,
        "session_currency": "",
        "session_livemode": None,
        "paid_amount": None,
        "paid_currency": "",
        "flagged_at": None,
        "flag_reason": "",
    }
    expected["payments_order"] = [{**row, **not_recorded} for row in before["payments_order"]]
    # licensing 0012: the exclusive tier is no longer called a buy-out.
    expected["licensing_tier"] = [
        {**row, "name": "Exclusive"} if row["code"] == "exclusive" else row
        for row in before["licensing_tier"]
    ]
    # disputes 0002: evidence filed before it kept no hash of the file as uploaded.
    expected["licensing_evidence"] = [
        {**row, "original_sha256": ""} for row in before["licensing_evidence"]
    ]
    return expected


def _assert_rows_intact(expected: dict[str, list[dict]], added: dict[str, int]) -> None:
    """Every old row as expected; `added` counts the rows a data migration published after
    them (licensing 0011: the next terms version of each tier)."""
    by_table = {
        model._meta.db_table: model for model in current_apps.get_models(include_auto_created=True)
    }
    assert set(expected) <= set(by_table)
    for table, rows in expected.items():
        current = list(by_table[table].objects.order_by("pk").values())
        assert current[: len(rows)] == rows, table
        assert len(current) - len(rows) == added.get(table, 0), table


def _assert_links(ids: dict) -> None:
    """Foreign keys resolve through the moved models, across the apps."""
    record = ProvenanceRecord.objects.get(pk=ids["pieces"][0])
    assert (record.piece, record.job_id, record.creator.email) == (
        Piece.objects.get(pk=ids["pieces"][0]),
        ids["job"],
        "ada@example.com",
    )
    assert (record.watermark_id, record.phash) == (4_000_000_000, -1234567890123)
    assert PhashIndex.objects.get(piece_id=ids["pieces"][0]).c2 == 65535
    dispute = Dispute.objects.get(pk=ids["dispute"])
    assert dispute.listing == Listing.objects.get(pk=ids["listing"])
    assert dispute.grant == LicenceGrant.objects.get(pk=ids["grant"])
    assert (dispute.claimant.email, dispute.respondent.email) == (
        "ada@example.com",
        "bo@example.com",
    )
    assert list(dispute.events.values_list("pk", "action")) == [(ids["event"], "opened")]
    assert list(dispute.messages.values_list("pk", "body")) == [
        (ids["message"], "They were a gift.")
    ]
    assert list(dispute.evidence.values_list("pk", flat=True)) == [ids["evidence"]]
    assert DisputeEvent.objects.get(pk=ids["event"]).dispute_id == dispute.pk
    assert DisputeMessage.objects.get(pk=ids["message"]).dispute == dispute
    assert Evidence.objects.get(pk=ids["evidence"]).url == "https://example.com/mug"
    grant = LicenceGrant.objects.get(pk=ids["grant"])
    assert grant.order_line == OrderLine.objects.get(pk=ids["line"])
    assert grant.tier.code == "standard"
    assert sorted(grant.pieces.values_list("pk", flat=True)) == sorted(ids["pieces"])
    buyer = User.objects.get(pk=ids["buyer"])
    assert list(buyer.notifications.values_list("pk", "ref")) == [
        (ids["linked"], f"dispute:{dispute.pk}")
    ]
    assert Notification.objects.get(pk=ids["plain"]).ref == ""
    assert list(buyer.ledger_entries.values_list("seq", "kind")) == [(3, "licensed")]


def _assert_ledger(ids: dict) -> None:
    report = ledger_verify()
    assert (report.ok, report.checked, report.head_hash) == (True, 3, ids["head"])
    assert (LedgerHead.objects.get().seq, LedgerHead.objects.get().hash) == (3, ids["head"])
    last = LedgerEntry.objects.get(seq=3)
    assert last.hash == chain.entry_hash(last.payload())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE licensing_ledgerentry SET kind = 'revoked' WHERE seq = 3")
    assert LedgerEntry.objects.get(seq=3).kind == "licensed"


def _assert_content_types(old: dict[tuple[str, str], int]) -> None:
    ContentType.objects.clear_cache()
    moved = {
        (app, model): ContentType.objects.get(app_label=app, model=model).pk for app, model in old
    }
    assert moved == old  # the same rows: permissions and admin log entries follow
    assert not ContentType.objects.filter(
        app_label="licensing", model__in=[model for _, model in old]
    ).exists()
    assert ContentType.objects.get_for_model(Dispute).pk == old[("disputes", "dispute")]
    assert ContentType.objects.get_for_model(Notification).app_label == "core"


def test_old_main_database_migrates_with_every_row_intact():
    try:
        apps = _old_apps()
        ids: dict = {}
        _fill_people_and_pieces(apps, ids)
        _fill_provenance(apps, ids)
        _fill_sale(apps, ids)
        _fill_dispute(apps, ids)
        content_types = _old_content_types(apps)
        before = _snapshot(apps)
        counts = {
            table: len(before[table]) for table in ("licensing_ledgerentry", "licensing_dispute")
        }
        assert counts == {"licensing_ledgerentry": 3, "licensing_dispute": 1}

        _migrate_to_latest()

        tiers = len(before["licensing_termsversion"])  # one v1 each, then v2 and v3
        _assert_rows_intact(_expected_after(before, ids), {"licensing_termsversion": 2 * tiers})
        assert sorted(
            TermsVersion.objects.filter(version=2).values_list("tier__code", "derivatives")
        ) == [("exclusive", True), ("extended", True), ("personal", False), ("standard", True)]
        rights_wording = TermsVersion.objects.filter(version=3, body__contains="8. What the record")
        assert rights_wording.count() == tiers
        assert LicenceGrant.objects.get(pk=ids["grant"]).terms.version == 1
        _assert_links(ids)
        _assert_ledger(ids)
        _assert_content_types(content_types)
    finally:
        _migrate_to_latest()


def _new_layout_dispute() -> tuple[Dispute, User]:
    creator = User.objects.create(
        email="cy@example.com", display_name="Cy", is_creator=True, creator_since=T0
    )
    buyer = User.objects.create(email="di@example.com", display_name="Di")
    listing = Listing.objects.create(
        creator=creator, title="Owl", category="other", price_amount=900, orientation="square",
        engine="tiny",
    )  # fmt: skip
    dispute = Dispute.objects.create(
        id=uuid.uuid4(), kind="other", target_key=f"listing:{listing.pk}", statement="Not mine.",
        claimant=buyer, respondent=creator, listing=listing,
    )  # fmt: skip
    return dispute, buyer


def test_migrating_back_restores_notification_dispute_links():
    try:
        dispute, buyer = _new_layout_dispute()
        linked = Notification.objects.create(
            user=buyer, subject="Opened", ref=f"dispute:{dispute.pk}"
        )
        plain = Notification.objects.create(user=buyer, subject="Hello", ref="")
        dispute_type = ContentType.objects.get_for_model(Dispute).pk

        apps = _old_apps()

        notification_model = apps.get_model("licensing", "Notification")
        assert dict(notification_model.objects.values_list("pk", "dispute_id")) == {
            linked.pk: dispute.pk,
            plain.pk: None,
        }
        assert notification_model.objects.get(pk=linked.pk).dispute.statement == "Not mine."
        assert apps.get_model("licensing", "Dispute").objects.get().pk == dispute.pk
        content_type = apps.get_model("contenttypes", "ContentType").objects.get(pk=dispute_type)
        assert (content_type.app_label, content_type.model) == ("licensing", "dispute")

        _migrate_to_latest()

        assert dict(Notification.objects.values_list("pk", "ref")) == {
            linked.pk: f"dispute:{dispute.pk}",
            plain.pk: "",
        }
        assert ContentType.objects.get_for_model(Dispute).pk == dispute_type
    finally:
        _migrate_to_latest()


def test_a_leftover_licensing_content_type_does_not_block_migrating_back():
    """The forward move leaves a licensing row alone when the new app already has one; the
    reverse must do the same instead of breaking the (app_label, model) unique constraint."""
    try:
        moved = ContentType.objects.get_for_model(Evidence).pk
        leftover = ContentType.objects.create(app_label="licensing", model="evidence").pk

        _old_apps()

        labels = dict(ContentType.objects.filter(model="evidence").values_list("pk", "app_label"))
        assert labels == {moved: "disputes", leftover: "licensing"}

        _migrate_to_latest()

        labels = dict(ContentType.objects.filter(model="evidence").values_list("pk", "app_label"))
        assert labels == {moved: "disputes", leftover: "licensing"}
    finally:
        _migrate_to_latest()
