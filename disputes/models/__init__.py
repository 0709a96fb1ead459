"""Disputes' models: cases (disputes, their events, messages and evidence) and notice and
action (notices, statements of reasons, complaints)."""

from disputes.models.cases import (
    ACTIVE_STATUSES,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeMessage,
    DisputeOutcome,
    DisputeStatus,
    Evidence,
    EvidenceKind,
)
from disputes.models.notices import (
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    DecisionGround,
    Notice,
    NoticeCategory,
    NoticeEvent,
    NoticeStatus,
    NoticeTarget,
    RestrictionKind,
    StatementOfReasons,
)

__all__ = [
    "ACTIVE_STATUSES",
    "Complaint",
    "ComplaintEvent",
    "ComplaintStatus",
    "DecisionGround",
    "Dispute",
    "DisputeEvent",
    "DisputeKind",
    "DisputeMessage",
    "DisputeOutcome",
    "DisputeStatus",
    "Evidence",
    "EvidenceKind",
    "Notice",
    "NoticeCategory",
    "NoticeEvent",
    "NoticeStatus",
    "NoticeTarget",
    "RestrictionKind",
    "StatementOfReasons",
]
