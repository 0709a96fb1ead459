"""What an edited piece's record and "created" ledger entry say about its parent and the edit.

The human part (the choice of parent, a painted mask, an uploaded picture) is kept apart from
the model's part, because the two may differ in who holds rights over them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from core.errors import ApplicationError
from provenance.models import ProvenanceRecord
from provenance.stamp import EditFacts, StampedImage

EDIT_PARAMETERS = ("strength", "upscale", "mask_sha256", "upload_sha256")


def edit_parents_check(*, stamped: Iterable[StampedImage]) -> None:
    """Every named parent must be a recorded piece, and not the piece itself (one query)."""
    wanted = {
        str(item.piece_id): _parent_uuid(item.edit)
        for item in stamped
        if item.edit is not None and item.edit.parent_piece_id
    }
    if not wanted:
        return
    if any(str(parent) == piece for piece, parent in wanted.items()):
        raise ApplicationError("A piece cannot be its own parent.", code="edit_parent")
    known = set(
        ProvenanceRecord.objects.filter(pk__in=set(wanted.values())).values_list("pk", flat=True)
    )
    if set(wanted.values()) - known:
        raise ApplicationError("The parent piece has no provenance record.", code="edit_parent")


def _parent_uuid(edit: EditFacts) -> uuid.UUID:
    try:
        return uuid.UUID(str(edit.parent_piece_id))
    except ValueError as exc:
        raise ApplicationError("The parent piece id is not valid.", code="edit_parent") from exc


def edit_record_fields(edit: EditFacts | None) -> dict[str, Any]:
    """ProvenanceRecord fields for an edit (none for a fresh generation)."""
    if edit is None:
        return {}
    summary = edit.summary()
    return {
        "parent_id": _parent_uuid(edit) if edit.parent_piece_id else None,
        "edit_kind": edit.kind,
        "edit": {key: summary[key] for key in EDIT_PARAMETERS},
        "human_contribution": list(edit.human),
    }


def edit_ledger_data(edit: EditFacts | None) -> dict[str, Any]:
    """The "created" entry's words on the edit: the parent piece, the kind, the human part."""
    if edit is None:
        return {}
    data: dict[str, Any] = {"edit_kind": edit.kind, "human": list(edit.human)}
    if edit.parent_piece_id:
        data["parent"] = str(edit.parent_piece_id)
    if edit.mask_sha256:
        data["mask_sha256"] = edit.mask_sha256
    if edit.upload_sha256:
        data["upload_sha256"] = edit.upload_sha256
    return data
