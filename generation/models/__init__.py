"""Generation's models: jobs and pieces, creator styles, prompt moderation, protected names,
live workers."""

from generation.models.jobs import (
    FINISHED_STATUSES,
    MAX_IMAGES_PER_JOB,
    MAX_SEED,
    GenerationJob,
    JobEvent,
    JobStatus,
    Piece,
    previews_storage,
)
from generation.models.names import ProtectedName, ProtectedNameEvent, ProtectedNameKind
from generation.models.prompts import (
    DECIDABLE_STATUSES,
    DECIDED_STATUSES,
    MAX_REVIEW_TEXT,
    PromptAllowance,
    PromptCategory,
    PromptReview,
    PromptReviewEvent,
    PromptReviewStatus,
    PromptSource,
)
from generation.models.styles import (
    PROMPT_SLOT,
    ImmutableStyleVersion,
    Style,
    StyleAdapter,
    StyleEvent,
    StyleStatus,
    StyleVersion,
)
from generation.models.workers import WorkerHeartbeat

__all__ = [
    "DECIDABLE_STATUSES",
    "DECIDED_STATUSES",
    "FINISHED_STATUSES",
    "MAX_IMAGES_PER_JOB",
    "MAX_REVIEW_TEXT",
    "MAX_SEED",
    "PROMPT_SLOT",
    "GenerationJob",
    "ImmutableStyleVersion",
    "JobEvent",
    "JobStatus",
    "Piece",
    "PromptAllowance",
    "PromptCategory",
    "PromptReview",
    "PromptReviewEvent",
    "PromptReviewStatus",
    "PromptSource",
    "ProtectedName",
    "ProtectedNameEvent",
    "ProtectedNameKind",
    "Style",
    "StyleAdapter",
    "StyleEvent",
    "StyleStatus",
    "StyleVersion",
    "WorkerHeartbeat",
    "previews_storage",
]
