"""The API's request and response shapes (its OpenAPI components)."""

import uuid
from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from generation.engines import MAX_PROMPT_CHARS, MAX_SEED
from generation.models import MAX_IMAGES_PER_JOB


class JobIn(Schema):
    prompt: str = Field(..., min_length=1, max_length=MAX_PROMPT_CHARS)
    negative_prompt: str = Field("", max_length=MAX_PROMPT_CHARS)
    width: int = Field(512, ge=1, le=8192)
    height: int = Field(512, ge=1, le=8192)
    count: int = Field(1, ge=1, le=MAX_IMAGES_PER_JOB)
    steps: int | None = Field(None, ge=1, le=1000)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    engine: str | None = Field(None, max_length=40, description="Default: the site's engine.")
    style: uuid.UUID | None = Field(
        None, description="One of your own published styles (others' are paid per image)."
    )


class EditIn(Schema):
    piece: uuid.UUID = Field(..., description="Your piece, or one licensed with derivatives.")
    kind: Literal["variation", "image", "inpaint", "upscale"]
    strength: float | None = Field(None, ge=0, le=1, description="How far from the piece.")
    upscale: Literal[2, 4] | None = Field(None, description="upscale only: the factor.")
    prompt: str | None = Field(None, max_length=MAX_PROMPT_CHARS)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    mask_png_base64: str | None = Field(
        None, max_length=12_000_000, description="Inpaint: a PNG mask, white = repaint."
    )


class ProgressOut(Schema):
    step: int
    total: int


class PieceOut(Schema):
    id: uuid.UUID
    job: uuid.UUID
    seed: int
    width: int
    height: int
    sha256: str
    created_at: datetime
    preview_url: str
    original_url: str | None = Field(
        None, description="Signed, short-lived; only for the owner and licensees."
    )
    original_url_expires_at: datetime | None = None


class JobOut(Schema):
    id: uuid.UUID
    status: str
    prompt: str
    negative_prompt: str
    engine: str
    width: int
    height: int
    steps: int
    seed: int
    count: int
    style_version: uuid.UUID | None
    edit_kind: str
    parent_piece: uuid.UUID | None
    progress: ProgressOut
    queue_position: int | None = None
    eta_seconds: int | None = None
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    pieces: list[PieceOut]
    web_url: str


class JobPage(Schema):
    items: list[JobOut]
    next_cursor: str | None


class PiecePage(Schema):
    items: list[PieceOut]
    next_cursor: str | None


class ListingOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    category: str
    orientation: str
    engine: str
    tags: list[str]
    creator: str
    price_amount: int = Field(..., description="Standard licence, minor units.")
    currency: str
    published_at: datetime | None
    cover_preview_url: str | None
    web_url: str


class ListingPage(Schema):
    items: list[ListingOut]
    next_cursor: str | None


class LicenceOut(Schema):
    id: uuid.UUID
    status: str
    tier: str
    exclusive: bool
    terms_version: int
    price_amount: int
    currency: str
    issued_at: datetime
    listing: uuid.UUID | None
    pieces: list[PieceOut]
    certificate_pdf_url: str
    certificate_verify_url: str


class LicencePage(Schema):
    items: list[LicenceOut]
    next_cursor: str | None
