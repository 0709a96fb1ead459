"""Refund requests: the buyer asks, the creator or a moderator decides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from payments import selectors
from payments.models import OrderLine, RefundRequest
from payments.services.refunds import refund_request_create, refund_request_decide


@login_required
@require_POST
def refund_request_view(request, line_id):
    line = get_object_or_404(OrderLine, pk=line_id, order__buyer=request.user)
    try:
        refund_request_create(line=line, buyer=request.user, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Refund requested. The creator or a moderator will decide.")
    return redirect("order_detail", order_id=line.order_id)


@login_required
@require_GET
def refund_requests_review(request):
    pending = selectors.refund_requests_for_reviewer(user=request.user)
    return render(request, "payments/refund_requests.html", {"requests": pending})


@login_required
@require_POST
def refund_request_decide_view(request, request_id):
    refund_request = get_object_or_404(RefundRequest, pk=request_id)
    try:
        refund_request_decide(
            request=refund_request,
            actor=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Decision recorded.")
    return redirect("refund_requests_review")
