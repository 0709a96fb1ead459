"""The moderation console's notice and complaint pages; each POST calls one service.
Non-moderators get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from disputes.forms.notices import ComplaintDecisionForm, NoticeDecisionForm
from disputes.selectors.notices import (
    complaint_for_moderator,
    complaint_queue,
    notice_for_moderator,
    notice_queue,
)
from disputes.services.complaints import complaint_decide, complaint_deciders
from disputes.services.notices import notice_decide
from disputes.services.statements import Reasons, statement_text

QUEUE_SIZE = 100


def _moderator_or_404(request) -> None:
    if not request.user.is_moderator:
        raise Http404("No such page.")


@login_required
@require_GET
def notices_queue(request):
    _moderator_or_404(request)
    context = {
        "notices": notice_queue()[:QUEUE_SIZE],
        "complaints": complaint_queue()[:QUEUE_SIZE],
    }
    return render(request, "disputes/moderation/notices.html", context)


def _notice_page(request, notice, form, status=200):
    context = {"notice": notice, "form": form, "events": notice.events.select_related("actor")}
    return render(request, "disputes/moderation/notice.html", context, status=status)


def _notice_or_404(request, notice_id):
    _moderator_or_404(request)
    notice = notice_for_moderator(notice_id=notice_id)
    if notice is None:
        raise Http404("No such notice.")
    return notice


@login_required
@require_GET
def notice_review(request, notice_id):
    notice = _notice_or_404(request, notice_id)
    return _notice_page(request, notice, NoticeDecisionForm())


@login_required
@require_POST
def notice_decide_view(request, notice_id):
    notice = _notice_or_404(request, notice_id)
    form = NoticeDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reasons = Reasons(
            facts=data["facts"],
            ground=data["ground"],
            ground_detail=data["ground_detail"],
            automated_detection=data["automated_detection"],
        )
        try:
            notice_decide(
                notice=notice,
                moderator=request.user,
                action=data["action"],
                reasons=reasons,
                manifestly_unfounded=data["manifestly_unfounded"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Decision recorded; the parties were told.")
            return redirect("disputes:moderation_notices")
    return _notice_page(request, notice, form, status=400)


def _complaint_or_404(request, complaint_id):
    _moderator_or_404(request)
    complaint = complaint_for_moderator(complaint_id=complaint_id)
    if complaint is None:
        raise Http404("No such complaint.")
    return complaint


def _complaint_page(request, complaint, form, status=200):
    context = {
        "complaint": complaint,
        "form": form,
        "text": statement_text(complaint.statement) if complaint.statement_id else "",
        "may_decide": request.user in complaint_deciders(complaint),
        "events": complaint.events.select_related("actor"),
    }
    return render(request, "disputes/moderation/complaint.html", context, status=status)


@login_required
@require_GET
def complaint_review(request, complaint_id):
    complaint = _complaint_or_404(request, complaint_id)
    return _complaint_page(request, complaint, ComplaintDecisionForm())


@login_required
@require_POST
def complaint_decide_view(request, complaint_id):
    complaint = _complaint_or_404(request, complaint_id)
    form = ComplaintDecisionForm(request.POST)
    if form.is_valid():
        try:
            complaint_decide(
                complaint=complaint,
                moderator=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Complaint decided; both sides were told.")
            return redirect("disputes:moderation_notices")
    return _complaint_page(request, complaint, form, status=400)
