"""Jobs: create (prompt or edit), get, list, cancel, retry."""

import base64
import binascii
import uuid
from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Header, Query, Router, Schema, Status

from api.auth import require_scope
from api.errors import ERRORS
from api.models import SCOPE_GENERATE, SCOPE_READ
from api.pagination import DEFAULT_LIMIT, paginate
from api.presenters import job_out
from api.routers.answers import answer
from api.schemas import EditIn, JobIn, JobOut, JobPage
from core.errors import ApplicationError
from generation.forms.jobs import CommissionForm
from generation.models import GenerationJob, JobStatus, StyleStatus
from generation.selectors.jobs import job_for_owner, job_pieces, job_queue_state, jobs_for_owner
from generation.selectors.pieces import piece_for_editing
from generation.selectors.styles import style_for_creator
from generation.services.edits import job_create_edit
from generation.services.engines import engine_spec
from generation.services.jobs import JobSpec, job_cancel, job_create, job_retry

router = Router(tags=["jobs"])
KEY = Header(None, alias="Idempotency-Key", description="Repeat a POST safely (24 hours).")


class JobFilters(Schema):
    status: JobStatus | None = None
    engine: str | None = None
    q: str | None = None
    created_after: datetime | None = None


def _own_job(request: HttpRequest, job_id: uuid.UUID) -> GenerationJob:
    job = job_for_owner(owner=request.user, job_id=job_id)
    if job is None:
        raise Http404("No such job.")
    return job


def _created(request: HttpRequest, job: GenerationJob) -> tuple[int, dict]:
    return 201, job_out(request, job, pieces=[], queue=job_queue_state(job=job))


def _spec(request: HttpRequest, payload: JobIn) -> JobSpec:
    """The site's commission form checks the fields (one place per rule); a style fixes
    everything but the text."""
    if payload.style is not None:
        style = style_for_creator(creator=request.user, style_id=payload.style)
        if style is None or style.status != StyleStatus.PUBLISHED:
            raise ApplicationError(
                "Styles are paid per image: commission someone else's style on its page. "
                "Here you may use your own published styles.",
                field="style",
                code="payment_required",
            )
        return JobSpec.in_style(
            style.current_version,
            prompt=payload.prompt,
            negative_prompt=payload.negative_prompt,
            count=payload.count,
            seed=payload.seed,
        )
    data = payload.dict(exclude={"style", "width", "height"})
    data["engine"] = payload.engine or engine_spec().name
    data["size"] = f"{payload.width}x{payload.height}"
    form = CommissionForm({key: "" if value is None else value for key, value in data.items()})
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise ApplicationError(str(errors[0]), field={"size": "width"}.get(name, name))
    return form.job_spec()


@router.post("/jobs", response={201: JobOut, **ERRORS}, summary="Create a job")
def create_job(
    request: HttpRequest, response: HttpResponse, payload: JobIn, idempotency_key: str = KEY
):
    require_scope(request, SCOPE_GENERATE)
    return answer(
        request,
        response,
        lambda: _created(request, job_create(owner=request.user, spec=_spec(request, payload))),
    )


def _mask(payload: EditIn):
    if payload.mask_png_base64 is None:
        return None
    try:
        data = base64.b64decode(payload.mask_png_base64, validate=True)
        return SimpleUploadedFile("mask.png", data, content_type="image/png")
    except (binascii.Error, ValueError):
        raise ApplicationError("The mask is not valid base64.", field="mask_png_base64") from None


@router.post("/jobs/edits", response={201: JobOut, **ERRORS}, summary="Edit a piece")
def create_edit(
    request: HttpRequest, response: HttpResponse, payload: EditIn, idempotency_key: str = KEY
):
    """A variation, image-to-image, inpaint (with a PNG mask) or upscale of a piece."""
    require_scope(request, SCOPE_GENERATE)
    piece = piece_for_editing(user=request.user, piece_id=payload.piece)
    if piece is None:
        raise Http404("No such image, or you may not edit it.")

    def run():
        try:
            job = job_create_edit(
                owner=request.user,
                piece=piece,
                kind=payload.kind,
                strength=payload.strength,
                upscale=payload.upscale,
                mask=_mask(payload),
                prompt=payload.prompt,
                seed=payload.seed,
            )
        except ApplicationError as error:
            if error.field == "mask":  # the site's upload field; here the base64 one
                error.field = "mask_png_base64"
            raise
        return _created(request, job)

    return answer(request, response, run)


@router.get("/jobs", response={200: JobPage, **ERRORS}, summary="List your jobs")
def list_jobs(
    request: HttpRequest,
    filters: Query[JobFilters],
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
):
    require_scope(request, SCOPE_READ)
    jobs = jobs_for_owner(owner=request.user)
    if filters.status:
        jobs = jobs.filter(status=filters.status)
    if filters.engine:
        jobs = jobs.filter(engine=filters.engine)
    if filters.q:
        jobs = jobs.filter(prompt__icontains=filters.q)
    if filters.created_after:
        jobs = jobs.filter(created_at__gte=filters.created_after)
    page = paginate(jobs, cursor=cursor, limit=limit, field="created_at")
    items = [job_out(request, job, pieces=list(job.pieces.all())) for job in page.items]
    return Status(200, {"items": items, "next_cursor": page.next_cursor})


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS}, summary="Get a job")
def get_job(request: HttpRequest, job_id: uuid.UUID):
    require_scope(request, SCOPE_READ)
    job = _own_job(request, job_id)
    return Status(
        200, job_out(request, job, pieces=job_pieces(job=job), queue=job_queue_state(job=job))
    )


@router.post("/jobs/{job_id}/cancel", response={200: JobOut, **ERRORS}, summary="Cancel a job")
def cancel_job(
    request: HttpRequest, response: HttpResponse, job_id: uuid.UUID, idempotency_key: str = KEY
):
    """A queued job stops at once; a running one at the worker's next step."""
    require_scope(request, SCOPE_GENERATE)
    job = _own_job(request, job_id)

    def run():
        cancelled = job_cancel(job=job, actor=request.user)
        return 200, job_out(request, cancelled, pieces=job_pieces(job=cancelled))

    return answer(request, response, run)


@router.post("/jobs/{job_id}/retry", response={201: JobOut, **ERRORS}, summary="Retry a job")
def retry_job(
    request: HttpRequest, response: HttpResponse, job_id: uuid.UUID, idempotency_key: str = KEY
):
    """A failed or cancelled job again, as a new job with the same settings and seed."""
    require_scope(request, SCOPE_GENERATE)
    job = _own_job(request, job_id)
    return answer(
        request, response, lambda: _created(request, job_retry(job=job, actor=request.user))
    )
