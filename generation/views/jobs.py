from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from core.watch import conditional_watch, watch_untagged
from generation.forms.jobs import CommissionForm, JobFilter
from generation.models import JobStatus
from generation.selectors.jobs import (
    job_for_owner,
    job_pieces,
    job_prompt_reading,
    job_queue_state,
    jobs_for_owner,
)
from generation.selectors.workers import job_waiting_for_worker
from generation.services.jobs import job_cancel, job_create, job_retry


def _own_job_or_404(request, job_id):
    job = job_for_owner(owner=request.user, job_id=job_id)
    if job is None:
        raise Http404("No such job.")
    return job


@login_required
@require_http_methods(["GET", "POST"])
def commission(request):
    initial = CommissionForm.initial_from_query(request.GET) if request.method == "GET" else {}
    form = CommissionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            job = job_create(owner=request.user, spec=form.job_spec())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("job_detail", job_id=job.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "generation/commission.html", {"form": form}, status=status)


@login_required
@require_GET
def job_list(request):
    jobs = JobFilter(request.GET, queryset=jobs_for_owner(owner=request.user))
    page = Paginator(jobs.qs, 20).get_page(request.GET.get("page"))
    return render(request, "generation/job_list.html", {"filter": jobs, "page": page})


def _job_context(job) -> dict:
    return {
        "job": job,
        "queue": job_queue_state(job=job),
        "pieces": job_pieces(job=job),
        "waiting_for_worker": job_waiting_for_worker(job=job),
    }


@login_required
@require_GET
def job_detail(request, job_id):
    job = _own_job_or_404(request, job_id)
    context = {**_job_context(job), "reading": job_prompt_reading(job=job)}
    return render(request, "generation/job_detail.html", context)


@conditional_watch("job", "job_id")
@login_required
@require_GET
def job_status(request, job_id):
    """The live part of the job page; watch.js polls it until the job finishes."""
    job = _own_job_or_404(request, job_id)
    response = render(request, "generation/_job_status.html", _job_context(job))
    return watch_untagged(response) if job.status == JobStatus.QUEUED else response


@login_required
@require_GET
def job_status_json(request, job_id):
    job = _own_job_or_404(request, job_id)
    queue = job_queue_state(job=job)
    reading = job_prompt_reading(job=job)
    return JsonResponse(
        {
            "id": str(job.pk),
            "status": job.status,
            "progress": {"step": job.progress_step, "total": job.progress_total},
            "queue_position": queue.position,
            "eta_seconds": queue.eta_seconds,
            "error": job.error,
            "prompt_reading": reading.as_dict() if reading else None,
            "pieces": [
                {"id": str(piece.id), "preview_url": piece.preview.url, "seed": piece.seed}
                for piece in job_pieces(job=job)
            ],
        }
    )


@login_required
@require_POST
def job_cancel_view(request, job_id):
    job = _own_job_or_404(request, job_id)
    try:
        job = job_cancel(job=job, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Job cancelled." if job.is_finished else "Stopping at the next step…"
        )
    return _back_to_job(request, job.pk)


@login_required
@require_POST
def job_retry_view(request, job_id):
    job = _own_job_or_404(request, job_id)
    try:
        new_job = job_retry(job=job, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return _back_to_job(request, job.pk)
    messages.success(request, "Queued again with the same settings and seed.")
    return _back_to_job(request, new_job.pk)


def _back_to_job(request, job_id):
    url = reverse("job_detail", kwargs={"job_id": job_id})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
