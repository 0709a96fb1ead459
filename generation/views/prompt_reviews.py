"""Prompt reviews: the owner's pages (their refused prompts, one appeal each) and the
moderators' queue and decision page. Anyone else gets 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from generation.forms.prompt_reviews import (
    PromptAppealForm,
    PromptDecisionForm,
    PromptQueueFilterForm,
)
from generation.models import PromptReviewStatus, PromptSource
from generation.selectors.prompt_reviews import (
    prompt_review_for_moderator,
    prompt_review_for_owner,
    prompt_review_queue,
    prompt_reviews_for_user,
)
from generation.services.prompt_reviews import prompt_review_appeal, prompt_review_decide

PAGE_SIZE = 50


def _own_review_or_404(request, review_id):
    review = prompt_review_for_owner(user=request.user, review_id=review_id)
    if review is None:
        raise Http404("No such prompt review.")
    return review


def _moderated_review_or_404(request, review_id):
    review = prompt_review_for_moderator(user=request.user, review_id=review_id)
    if review is None:
        raise Http404("No such prompt review.")
    return review


def _rerun_url(review) -> str:
    """Where an allowed prompt can be run again: a plain commission is pre-filled."""
    if review.source != PromptSource.COMMISSION:
        return ""
    query = {"prompt": review.prompt, "negative_prompt": review.negative_prompt}
    return f"{reverse('commission')}?{urlencode(query)}"


@login_required
@require_GET
def my_prompt_reviews(request):
    page = Paginator(prompt_reviews_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "generation/prompt_reviews/list.html", {"page": page})


def _owner_page(request, review, form, status=200):
    context = {
        "review": review,
        "form": form,
        "events": review.events.select_related("actor"),
        "rerun_url": _rerun_url(review) if review.status == PromptReviewStatus.OVERTURNED else "",
    }
    return render(request, "generation/prompt_reviews/detail.html", context, status=status)


@login_required
@require_GET
def prompt_review_detail(request, review_id):
    review = _own_review_or_404(request, review_id)
    return _owner_page(request, review, PromptAppealForm())


@login_required
@require_POST
def prompt_review_appeal_view(request, review_id):
    review = _own_review_or_404(request, review_id)
    form = PromptAppealForm(request.POST)
    if form.is_valid():
        try:
            prompt_review_appeal(
                review=review, actor=request.user, statement=form.cleaned_data["statement"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Appeal sent. A moderator will decide; you will be told.")
            return redirect("prompt_review_detail", review_id=review.pk)
    review.refresh_from_db()
    return _owner_page(request, review, form, status=400)


def _moderator_or_404(request) -> None:
    if not request.user.is_moderator:
        raise Http404("No such page.")


@login_required
@require_GET
def moderation_prompt_queue(request):
    _moderator_or_404(request)
    form = PromptQueueFilterForm(request.GET or None)
    status, category = PromptReviewStatus.APPEALED, ""
    if form.is_valid():
        status = form.cleaned_data["status"] or PromptReviewStatus.APPEALED
        category = form.cleaned_data["category"]
    rows = prompt_review_queue(status=status, category=category)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "generation/prompt_reviews/queue.html", context)


def _moderator_page(request, review, form, status=200):
    context = {
        "review": review,
        "form": form,
        "events": review.events.select_related("actor"),
        "other_reviews": review.user.prompt_reviews.exclude(pk=review.pk).count(),
    }
    return render(request, "generation/prompt_reviews/review.html", context, status=status)


@login_required
@require_GET
def moderation_prompt_review(request, review_id):
    review = _moderated_review_or_404(request, review_id)
    return _moderator_page(request, review, PromptDecisionForm())


@login_required
@require_POST
def moderation_prompt_decide(request, review_id):
    review = _moderated_review_or_404(request, review_id)
    form = PromptDecisionForm(request.POST)
    if form.is_valid():
        try:
            review = prompt_review_decide(
                review=review,
                moderator=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            done = (
                "Overturned: the user may now run this exact prompt"
                if review.status == PromptReviewStatus.OVERTURNED
                else "Upheld: the prompt stays refused"
            )
            messages.success(request, f"{done}. The user has been notified.")
            return redirect("moderation_prompt_queue")
    review.refresh_from_db()
    return _moderator_page(request, review, form, status=400)
