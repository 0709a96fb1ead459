"""Reads for disputes: who may see a case, a user's cases, the moderation queue, a case file."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeMessage,
    DisputeStatus,
    Evidence,
)
from disputes.services.cases import dispute_pieces
from licensing.models import LicenceGrant
from payments.models import OrderLine
from provenance.models import LedgerEntry, PhashIndex, ProvenanceRecord
from provenance.selectors.records import phash_near_duplicates


def _base() -> QuerySet[Dispute]:
    return Dispute.objects.select_related(
        "listing",
        "grant",
        "commission__creator",
        "commission__buyer",
        "claimant",
        "respondent",
        "moderator",
    )


def dispute_visible(*, dispute_id, user) -> Dispute | None:
    """The case if `user` is a party or a moderator, else None (the view answers 404)."""
    if not getattr(user, "is_authenticated", False):
        return None
    rows = _base().filter(pk=dispute_id)
    if not user.is_moderator:
        rows = rows.filter(Q(claimant=user) | Q(respondent=user))
    return rows.first()


def evidence_visible(*, dispute_id, evidence_id, user) -> Evidence | None:
    dispute = dispute_visible(dispute_id=dispute_id, user=user)
    if dispute is None:
        return None
    return Evidence.objects.filter(pk=evidence_id, dispute=dispute).exclude(file="").first()


def disputes_for_user(*, user) -> QuerySet[Dispute]:
    return _base().filter(Q(claimant=user) | Q(respondent=user)).order_by("-created_at")


def moderation_queue(*, status: str = "", kind: str = "", now=None) -> QuerySet[Dispute]:
    """Active cases by default; overdue responses first, then appeals, then oldest first."""
    now = now or timezone.now()
    rows = _base()
    if status in DisputeStatus.values:
        rows = rows.filter(status=status)
    elif status != "all":
        rows = rows.exclude(status__in=[DisputeStatus.DECIDED, DisputeStatus.CLOSED])
    if kind in DisputeKind.values:
        rows = rows.filter(kind=kind)
    return rows.annotate(
        urgency=Case(
            When(
                status=DisputeStatus.AWAITING_RESPONSE, respondent_deadline__lt=now, then=Value(0)
            ),
            When(status=DisputeStatus.APPEALED, then=Value(1)),
            When(status=DisputeStatus.OPEN, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("urgency", "created_at")


@dataclass
class PieceFile:
    piece: object
    record: ProvenanceRecord | None
    ledger: list[LedgerEntry]
    similar: list[dict] = field(default_factory=list)


@dataclass
class CaseFile:
    dispute: Dispute
    messages: list[DisputeMessage]
    events: list[DisputeEvent]
    evidence: list[Evidence]
    pieces: list[PieceFile] = field(default_factory=list)
    grants: list[LicenceGrant] = field(default_factory=list)
    order_lines: list = field(default_factory=list)


def dispute_case(*, dispute: Dispute, viewer) -> CaseFile:
    """Everything a case page shows. Parties never get internal notes or moderator-only
    material (provenance internals, similar pieces, orders)."""
    moderator = bool(getattr(viewer, "is_moderator", False))
    messages = dispute.messages.select_related("author")
    events = dispute.events.select_related("actor")
    if not moderator:
        messages = messages.filter(internal=False)
        events = events.filter(internal=False)
    case = CaseFile(
        dispute=dispute,
        messages=list(messages),
        events=list(events),
        evidence=list(dispute.evidence.select_related("uploaded_by")),
    )
    if not moderator:
        return case
    pieces = dispute_pieces(dispute)
    records = ProvenanceRecord.objects.select_related("rights_holder", "creator").in_bulk(
        [p.pk for p in pieces]
    )
    hashes = dict(
        PhashIndex.objects.filter(piece__in=[p.pk for p in pieces]).values_list("piece_id", "phash")
    )
    ledger: dict = {}
    for entry in LedgerEntry.objects.filter(piece__in=[p.pk for p in pieces]).select_related(
        "actor"
    ):
        ledger.setdefault(entry.piece_id, []).append(entry)
    for piece in pieces:
        similar = []
        if piece.pk in hashes:
            near = phash_near_duplicates(phash=hashes[piece.pk], exclude_piece_id=piece.pk)
            found = ProvenanceRecord.objects.in_bulk([n.piece_id for n in near])
            similar = [
                {"piece_id": n.piece_id, "distance": n.distance, "record": found.get(n.piece_id)}
                for n in near
            ]
        case.pieces.append(
            PieceFile(
                piece=piece,
                record=records.get(piece.pk),
                ledger=ledger.get(piece.pk, []),
                similar=similar,
            )
        )
    grants = LicenceGrant.objects.select_related("licensee", "tier", "order_line__order")
    if dispute.commission_id:  # the commission's one escrowed line and its licence, if any
        line_id = dispute.commission.order_line_id
        grants = grants.filter(order_line_id=line_id) if line_id else grants.none()
        lines = OrderLine.objects.filter(pk=line_id) if line_id else OrderLine.objects.none()
    elif dispute.grant_id:
        grants = grants.filter(pk=dispute.grant_id)
        lines = OrderLine.objects.filter(listing=dispute.listing_id)
    else:
        grants = grants.filter(listing=dispute.listing_id)
        lines = OrderLine.objects.filter(listing=dispute.listing_id)
    case.grants = list(grants)
    case.order_lines = list(lines.select_related("order__buyer").order_by("-order__created_at"))
    return case
