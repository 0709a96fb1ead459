"""The moderation console: the dispute queue and each case with its remedies as buttons.
Every button posts to one view that calls exactly one service. Non-moderators get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from disputes.forms.cases import (
    EvidenceForm,
    MessageForm,
    ModerationActionForm,
    QueueFilterForm,
)
from disputes.models import DisputeOutcome
from disputes.selectors.cases import dispute_case, dispute_visible, moderation_queue
from disputes.selectors.notices import notices_waiting_count
from disputes.services import decisions, remedies
from disputes.services import filing as flow
from generation.selectors.prompt_reviews import prompt_appeals_waiting_count

PAGE_SIZE = 50


def _moderator_or_404(request) -> None:
    if not request.user.is_moderator:
        raise Http404("No such page.")


@login_required
@require_GET
def queue(request):
    _moderator_or_404(request)
    form = QueueFilterForm(request.GET or None)
    status = kind = ""
    if form.is_valid():
        status, kind = form.cleaned_data["status"], form.cleaned_data["kind"]
    rows = moderation_queue(status=status, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "now": timezone.now(),
        "query": _filter_query(request),
        "prompt_appeals": prompt_appeals_waiting_count(),
        "notices_waiting": notices_waiting_count(),
    }
    return render(request, "disputes/moderation/queue.html", context)


def _filter_query(request) -> str:
    """The queue's filters as a query string, kept by the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def case(request, dispute_id):
    _moderator_or_404(request)
    dispute = dispute_visible(dispute_id=dispute_id, user=request.user)
    if dispute is None:
        raise Http404("No such case.")
    context = {
        "case": dispute_case(dispute=dispute, viewer=request.user),
        "dispute": dispute,
        "outcomes": DisputeOutcome.choices,
        "message_form": MessageForm(),
        "evidence_form": EvidenceForm(),
        "now": timezone.now(),
    }
    return render(request, "disputes/moderation/case.html", context)


def _run(action: str, *, dispute, actor, data) -> str:
    """Call the service for `action`; returns the success message."""
    note = data.get("note") or ""
    if action == "assign":
        flow.dispute_assign(dispute=dispute, actor=actor)
        return "You have taken the case."
    if action == "request_response":
        flow.dispute_request_response(
            dispute=dispute, actor=actor, days=data.get("days"), note=note
        )
        return "The respondent has been asked to respond."
    if action == "decide":
        decisions.dispute_decide(
            dispute=dispute, actor=actor, outcome=data.get("outcome") or "", decision=note
        )
        return "Decision recorded and sent to the parties."
    if action == "close":
        decisions.dispute_close(dispute=dispute, actor=actor, note=note)
        return "Case closed."
    if action == "suspend_listing":
        remedies.remedy_listing_suspend(dispute=dispute, actor=actor, note=note)
        return "Listing suspended."
    if action == "unsuspend_listing":
        remedies.remedy_listing_unsuspend(dispute=dispute, actor=actor, note=note)
        return "Listing reinstated."
    if action == "revoke":
        revoked = remedies.remedy_grants_revoke(dispute=dispute, actor=actor, note=note)
        return f"{len(revoked)} licence(s) revoked."
    if action == "refund":
        refunded = remedies.remedy_refund(dispute=dispute, actor=actor, note=note)
        return f"{len(refunded)} purchase(s) refunded."
    if action == "transfer":
        moved = remedies.remedy_rights_transfer(dispute=dispute, actor=actor, note=note)
        return f"The claimant is now the recorded rights holder of {len(moved)} piece(s)."
    if action == "warn":
        remedies.remedy_user_warn(dispute=dispute, actor=actor, user_id=data.get("user"), note=note)
        return "Warning sent."
    if action == "suspend_user":
        remedies.remedy_user_suspend(
            dispute=dispute, actor=actor, user_id=data.get("user"), note=note
        )
        return "Account suspended."
    if action == "dismiss":
        remedies.remedy_dismiss(dispute=dispute, actor=actor, note=note or "Dismissed.")
        return "Dispute dismissed and closed."
    raise ApplicationError("Unknown action.")


@login_required
@require_POST
def case_action(request, dispute_id):
    _moderator_or_404(request)
    dispute = dispute_visible(dispute_id=dispute_id, user=request.user)
    if dispute is None:
        raise Http404("No such case.")
    form = ModerationActionForm(request.POST)
    target = reverse("disputes:moderation_case", kwargs={"dispute_id": dispute.pk})
    if not form.is_valid():
        messages.error(request, "That action was not understood; nothing changed.")
        return redirect(target)
    try:
        done = _run(
            form.cleaned_data["action"], dispute=dispute, actor=request.user, data=form.cleaned_data
        )
    except ApplicationError as error:
        messages.error(request, f"Nothing changed: {error.message}")
    else:
        messages.success(request, done)
    return redirect(target)
