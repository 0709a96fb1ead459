"""Rows → the API's response dicts, with absolute links (thin: no rules live here)."""

from django.http import HttpRequest
from django.urls import reverse

from api.services.originals import original_link
from generation.models import GenerationJob, Piece
from generation.selectors.jobs import QueueState
from generation.selectors.pieces import piece_original_allowed


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def absolute(request: HttpRequest, url: str) -> str:
    return url if "://" in url else base_url(request) + url


def piece_out(request: HttpRequest, piece: Piece, *, entitled: bool | None = None) -> dict:
    """A piece; its original link only for someone entitled to the original."""
    if entitled is None:
        entitled = piece_original_allowed(user=request.user, piece=piece)
    link = (
        original_link(piece=piece, user=request.user, base_url=base_url(request))
        if entitled
        else None
    )
    return {
        "id": piece.pk,
        "job": piece.job_id,
        "seed": piece.seed,
        "width": piece.width,
        "height": piece.height,
        "sha256": piece.sha256,
        "created_at": piece.created_at,
        "preview_url": absolute(request, piece.preview.url),
        "original_url": link.url if link else None,
        "original_url_expires_at": link.expires_at if link else None,
    }


def job_out(
    request: HttpRequest, job: GenerationJob, *, pieces: list, queue: QueueState | None = None
) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "prompt": job.prompt,
        "negative_prompt": job.negative_prompt,
        "engine": job.engine,
        "width": job.width,
        "height": job.height,
        "steps": job.steps,
        "seed": job.seed,
        "count": job.count,
        "style_version": job.style_version_id,
        "edit_kind": job.edit_kind,
        "parent_piece": job.parent_piece_id,
        "progress": {"step": job.progress_step, "total": job.progress_total},
        "queue_position": queue.position if queue else None,
        "eta_seconds": queue.eta_seconds if queue else None,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "pieces": [piece_out(request, piece, entitled=True) for piece in pieces],
        "web_url": absolute(request, reverse("job_detail", args=[job.pk])),
    }
