"""Edit chains: a piece, the piece it was edited from, and so on back to a first generation."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from provenance.models import EditKind, ProvenanceRecord

MAX_CHAIN_STEPS = 20  # a longer chain is cut here and says so
STEP_FIELDS = (
    "piece_id",
    "parent_id",
    "edit_kind",
    "created_at",
    "creator_name",
    "creator_id",
    "rights_holder_id",
)

HUMAN_WORDS = {
    "parent": "chose the piece to start from",
    "mask": "painted the mask of what to change",
    "upload": "uploaded the starting picture",
}
MODEL_WORDS = {
    EditKind.VARIATION: "made a variation of it",
    EditKind.IMAGE: "redrew it from the prompt",
    EditKind.INPAINT: "repainted the masked area",
    EditKind.UPSCALE: "enlarged it",
    EditKind.UPLOAD: "added nothing (the picture is as uploaded)",
}


@dataclass(frozen=True)
class EditStep:
    piece_id: uuid.UUID
    kind: str  # an EditKind label, or "Generated" for the first one
    created_at: datetime.datetime
    creator_name: str
    creator_id: int
    holder_id: int  # who holds the record now: its creator, unless a dispute moved it


@dataclass(frozen=True)
class EditChain:
    steps: list[EditStep]  # this piece first, then each parent
    truncated: bool  # earlier steps exist beyond MAX_CHAIN_STEPS


def provenance_edit_chain(*, record: ProvenanceRecord) -> EditChain:
    """This piece ← parent ← grandparent …, one small query per parent."""
    steps, current = [_step(record)], record
    while current.parent_id is not None and len(steps) < MAX_CHAIN_STEPS:
        current = ProvenanceRecord.objects.only(*STEP_FIELDS).get(pk=current.parent_id)
        steps.append(_step(current))
    return EditChain(steps=steps, truncated=current.parent_id is not None)


def _step(record: ProvenanceRecord) -> EditStep:
    kind = record.get_edit_kind_display() if record.edit_kind else "Generated"
    return EditStep(
        piece_id=record.piece_id,
        kind=kind,
        created_at=record.created_at,
        creator_name=record.creator_name,
        creator_id=record.creator_id,
        holder_id=record.rights_holder_id or record.creator_id,
    )


def provenance_ancestors(*, piece_id) -> list[EditStep]:
    """The pieces `piece_id` was edited from, its parent first (empty for a piece made from
    text, or one without a record). The chain our records declare, cut at MAX_CHAIN_STEPS."""
    record = ProvenanceRecord.objects.only(*STEP_FIELDS).filter(pk=piece_id).first()
    if record is None:
        return []
    return provenance_edit_chain(record=record).steps[1:]


def contribution_summary(*, record: ProvenanceRecord) -> str:
    """One plain sentence: what a person contributed to this piece and what the model made."""
    if not record.edit_kind:
        return "A person wrote the prompt; the model made every pixel."
    human = [HUMAN_WORDS.get(item, str(item)) for item in record.human_contribution]
    person = "A person " + _join(human) if human else "No person contributed to this edit"
    model = MODEL_WORDS.get(record.edit_kind, "edited it")
    if record.edit_kind == EditKind.UPSCALE and record.edit.get("upscale"):
        model += f" {record.edit['upscale']}×"
    return f"{person}; the model {model}."


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
