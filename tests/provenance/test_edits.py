"""Provenance of edits: the parent as a C2PA ingredient, the record, the ledger entry."""

import io
import json
import pickle
import uuid

import c2pa
import pytest

from core.errors import ApplicationError
from provenance import c2pa_manifest, signing, xmp
from provenance.models import LedgerEntry, LedgerKind
from provenance.selectors.edits import provenance_ancestors
from provenance.selectors.records import ledger_verify
from provenance.services.records import (
    provenance_listing_check,
    provenance_stamp_image,
    provenance_stamp_order,
)
from provenance.stamp import EditFacts, stamp_image
from tests.factories import UserFactory
from tests.provenance.factories import ENGINE, art, edited_piece, stamped_piece

pytestmark = pytest.mark.django_db


def _read(data: bytes, signing_root, mime_type="image/png"):
    root = signing.load_signing_identity(signing_root).root_pem
    return c2pa_manifest.read(data, mime_type=mime_type, trust_root_pem=root)


def _ingredients(data: bytes, mime_type="image/png") -> list[dict]:
    with c2pa.Reader(mime_type, io.BytesIO(data)) as reader:
        store = json.loads(reader.json())
    return store["manifests"][store["active_manifest"]]["ingredients"]


def test_an_inpainted_piece_opens_its_parent_and_says_edited(signing_root):
    parent, parent_record, _ = stamped_piece(seed=11)
    _, _, stamped = edited_piece(parent=parent)

    status = _read(stamped.original_png, signing_root)

    assert status.state == "Trusted"
    assert status.failures == []
    assert [a["action"] for a in status.actions] == ["c2pa.opened", "c2pa.edited"]
    assert status.actions[1]["digitalSourceType"] == xmp.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert status.actions[1]["softwareAgent"] == {"name": "embedded", "version": "test"}
    [ingredient] = _ingredients(stamped.original_png)
    assert ingredient["relationship"] == "parentOf"
    assert ingredient["title"] == f"Promptfolio piece {parent.pk}"
    assert ingredient["active_manifest"] == parent_record.c2pa_manifest_id
    assert status.chain == [
        c2pa_manifest.ChainLink(
            title=f"Promptfolio piece {parent.pk}",
            piece_id=str(parent.pk),
            actions=("c2pa.created",),
            signer="Promptfolio Content Credentials Signer",
        )
    ]
    assert status.assertion["edit"] == {
        "kind": "inpaint",
        "parent_piece_id": str(parent.pk),
        "strength": 0.6,
        "upscale": None,
        "mask_sha256": "m" * 64,
        "upload_sha256": "",
        "human": ["parent", "mask"],
    }


def test_the_preview_opens_the_parent_too(signing_root):
    parent, _, _ = stamped_piece(seed=12)
    _, _, stamped = edited_piece(parent=parent, kind="variation", human=("parent",))

    status = _read(stamped.preview_bytes, signing_root, mime_type="image/jpeg")

    assert status.state == "Trusted"
    assert status.assertion["rendition"] == "preview"
    assert status.assertion["edit"]["kind"] == "variation"
    assert [a["action"] for a in status.actions] == ["c2pa.opened", "c2pa.edited"]
    assert status.actions[1]["digitalSourceType"] == xmp.TRAINED_ALGORITHMIC_MEDIA
    assert [link.piece_id for link in status.chain] == [str(parent.pk)]


def test_xmp_source_type_is_composite_only_with_human_material(signing_root):
    parent, _, original = stamped_piece(seed=13)
    _, _, masked = edited_piece(parent=parent, seed=3)
    _, _, varied = edited_piece(parent=parent, seed=4, kind="variation", human=("parent",))

    def source(data):
        return xmp.parse_packet(xmp.read_packet(data))["digital_source_type"]

    assert source(masked.original_png) == xmp.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert source(masked.preview_bytes) == xmp.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert source(varied.original_png) == xmp.TRAINED_ALGORITHMIC_MEDIA
    assert source(original.original_png) == xmp.TRAINED_ALGORITHMIC_MEDIA


def test_an_upload_with_its_file_is_opened_not_edited(signing_root):
    parent, _, _ = stamped_piece(seed=14)
    _, record, stamped = edited_piece(
        parent=parent, kind="upload", human=("upload",), strength=None, upload_sha256="u" * 64
    )

    status = _read(stamped.original_png, signing_root)

    assert status.state == "Trusted"
    assert [a["action"] for a in status.actions] == ["c2pa.opened"]
    assert status.actions[0]["digitalSourceType"] == xmp.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert record.edit_kind == "upload"
    assert record.edit["upload_sha256"] == "u" * 64


def test_an_upload_without_a_file_to_open_is_created_from_human_material(signing_root):
    edit = EditFacts(kind="upload", upload_sha256="u" * 64, human=("upload",))
    stamped = provenance_stamp_image(
        image=art(5), piece_id=uuid.uuid4(), creator_name="Ada", engine=ENGINE, edit=edit
    )

    status = _read(stamped.original_png, signing_root)

    assert status.state == "Trusted"
    assert [a["action"] for a in status.actions] == ["c2pa.created"]
    assert status.actions[0]["digitalSourceType"] == xmp.COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert status.chain == []
    assert stamped.edit == edit


def test_stamped_image_carries_the_facts_without_the_parent_file():
    parent, _, _ = stamped_piece(seed=15)
    _, _, stamped = edited_piece(parent=parent)

    assert stamped.edit.parent_original is None
    assert stamped.edit.parent_piece_id == str(parent.pk)
    assert stamped.edit.human == ("parent", "mask")


def test_the_record_keeps_the_human_part_apart_and_names_the_parent():
    parent, parent_record, _ = stamped_piece(seed=16)
    _, record, _ = edited_piece(parent=parent, strength=0.45)

    record.refresh_from_db()
    assert record.parent == parent_record
    assert record.edit_kind == "inpaint"
    assert record.edit == {
        "strength": 0.45,
        "upscale": None,
        "mask_sha256": "m" * 64,
        "upload_sha256": "",
    }
    assert record.human_contribution == ["parent", "mask"]
    assert parent_record.edit_kind == ""
    assert parent_record.parent is None
    assert parent_record.human_contribution == []


def test_the_created_entry_names_the_parent_and_the_chain_verifies():
    parent, _, _ = stamped_piece(seed=17)
    child, _, _ = edited_piece(parent=parent, kind="upscale", human=("parent",), upscale=2)
    grandchild, _, _ = edited_piece(parent=child, kind="variation", human=("parent",), seed=5)

    created = LedgerEntry.objects.get(piece=grandchild, kind=LedgerKind.CREATED)
    assert created.data["parent"] == str(child.pk)
    assert created.data["edit_kind"] == "variation"
    assert created.data["human"] == ["parent"]
    upscaled = LedgerEntry.objects.get(piece=child, kind=LedgerKind.CREATED)
    assert upscaled.data["parent"] == str(parent.pk)
    assert upscaled.data["edit_kind"] == "upscale"
    assert "parent" not in LedgerEntry.objects.get(piece=parent, kind=LedgerKind.CREATED).data
    report = ledger_verify()
    assert report.ok
    assert report.checked == 3


def test_a_grandchild_carries_the_whole_chain_in_its_file(signing_root):
    parent, _, _ = stamped_piece(seed=18)
    child, _, _ = edited_piece(parent=parent)
    _, _, stamped = edited_piece(parent=child, kind="variation", human=("parent",), seed=6)

    status = _read(stamped.original_png, signing_root)

    assert status.failures == []
    assert [link.piece_id for link in status.chain] == [str(child.pk), str(parent.pk)]
    assert [link.actions for link in status.chain] == [
        ("c2pa.opened", "c2pa.edited"),
        ("c2pa.created",),
    ]


def test_an_unknown_parent_is_refused_and_nothing_is_written():
    parent, _, _ = stamped_piece(seed=19)
    before = LedgerEntry.objects.count()
    edit = EditFacts(kind="variation", parent_piece_id=str(uuid.uuid4()), human=("parent",))

    with pytest.raises(ApplicationError, match="no provenance record"):
        stamped_piece(owner=parent.owner, seed=7, edit=edit)

    assert LedgerEntry.objects.count() == before


def test_an_edit_order_and_its_stamp_pickle_for_the_pool():
    parent, _, stamped_parent = stamped_piece(seed=20)
    edit = EditFacts(
        kind="variation",
        parent_piece_id=str(parent.pk),
        parent_original=stamped_parent.original_png,
        human=("parent",),
    )
    order = provenance_stamp_order(
        piece_id=uuid.uuid4(), creator_name="Ada", engine=ENGINE, edit=edit
    )

    assert pickle.loads(pickle.dumps(order)) == order
    stamped = stamp_image(order, art(8))
    assert pickle.loads(pickle.dumps(stamped)).edit == edit.without_parent_file()


def test_the_listing_check_ignores_the_ancestors_of_a_declared_edit(settings):
    settings.PHASH_NEAR_DUPLICATE_ACTION = "block"
    grandparent, _, _ = stamped_piece(image=art(61))
    parent, _, _ = edited_piece(parent=grandparent, image=art(61), seed=3)
    child, _, _ = edited_piece(parent=parent, owner=UserFactory(creator=True), image=art(61))
    lookalike, _, _ = stamped_piece(image=art(61))  # the same picture, but no ancestor

    assert [step.piece_id for step in provenance_ancestors(piece_id=child.pk)] == [
        parent.pk,
        grandparent.pk,
    ]
    with pytest.raises(ApplicationError) as blocked:
        provenance_listing_check(piece=child)
    assert blocked.value.code == "near_duplicate"
    lookalike.phash_entry.delete()
    assert provenance_listing_check(piece=child) == []
