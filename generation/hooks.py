"""What generation tells, or asks, the floors above it (they subscribe in AppConfig.ready)."""

import uuid
from dataclasses import dataclass

from core.hooks import Hook


@dataclass(frozen=True)
class JobFinished:
    """A job reached succeeded, failed or cancelled (called in the finishing transaction)."""

    job_id: uuid.UUID
    status: str
    style_version_id: int | None


@dataclass(frozen=True)
class StyleTierChosen:
    """A creator chose the licence tier a style's buyers get; a handler raises
    ApplicationError when that tier cannot be sold per image."""

    tier_code: str


@dataclass(frozen=True)
class OriginalRequested:
    """Someone other than the owner asks for a piece's original; a handler answers True when
    it knows them as entitled (e.g. an active licensee)."""

    user: object  # the signed-in user asking
    piece_id: uuid.UUID


job_finished: Hook[JobFinished] = Hook("generation.job_finished")
style_tier_chosen: Hook[StyleTierChosen] = Hook("generation.style_tier_chosen")
original_requested: Hook[OriginalRequested] = Hook("generation.original_requested")


@dataclass(frozen=True)
class DeriveRequested:
    """Someone other than the owner asks to edit a piece (a variation, inpaint, upscale…); a
    handler answers True when it knows them as allowed to make derivatives of it (e.g. a
    licensee whose terms allow derivatives)."""

    user: object  # the signed-in user asking
    piece_id: uuid.UUID


may_derive: Hook[DeriveRequested] = Hook("generation.may_derive")


@dataclass(frozen=True)
class PromptRefusalUpheld:
    """A moderator upheld a prompt refusal on appeal (called in the deciding transaction):
    the floors above record the restriction and tell the user why."""

    review_id: uuid.UUID
    moderator: object  # the deciding moderator
    note: str


prompt_refusal_upheld: Hook[PromptRefusalUpheld] = Hook("generation.prompt_refusal_upheld")
