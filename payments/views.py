import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from marketplace.models import Listing
from payments import selectors
from payments.gateway import SignatureError, get_gateway, verify_webhook
from payments.models import OrderLine, RefundRequest
from payments.services.checkout import checkout_start, order_abandon
from payments.services.payouts import payout_onboarding_link
from payments.services.refunds import refund_request_create, refund_request_decide
from payments.services.webhooks import webhook_receive


@login_required
@require_POST
def checkout_start_view(request, listing_id):
    listing = get_object_or_404(Listing, pk=listing_id)
    try:
        order = checkout_start(
            buyer=request.user,
            listing=listing,
            tier_code=request.POST.get("tier", ""),
            success_url=request.build_absolute_uri(
                reverse("order_detail", kwargs={"order_id": uuid.UUID(int=0)})
            ).replace(str(uuid.UUID(int=0)), "ORDER_ID"),
            cancel_url=request.build_absolute_uri(_listing_url(listing)),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(_listing_url(listing))
    return redirect(order.checkout_url)


def _listing_url(listing) -> str:
    return reverse("listing_detail", kwargs={"listing_id": listing.pk})


def _own_order_or_404(request, order_id):
    order = selectors.order_for_buyer(buyer=request.user, order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    return order


@login_required
@require_GET
def order_detail(request, order_id):
    """The checkout success page: "processing" until the provider's event grants the licence."""
    order = _own_order_or_404(request, order_id)
    template = "payments/_order_status.html" if request.headers.get("HX-Request") else None
    context = {"order": order, "lines": selectors.order_lines_with_grants(order=order)}
    return render(request, template or "payments/order_detail.html", context)


@login_required
@require_GET
def order_list(request):
    orders = selectors.orders_for_buyer(buyer=request.user)
    return render(request, "payments/order_list.html", {"orders": orders})


@login_required
@require_http_methods(["GET", "POST"])
def local_pay(request, order_id):
    """The local test gateway's checkout page (only when no Stripe key is configured)."""
    gateway = get_gateway()
    if gateway.name != "local":
        raise Http404("The local test gateway is disabled.")
    order = _own_order_or_404(request, order_id)
    if request.method == "POST" and order.status == "pending":
        if request.POST.get("outcome") == "fail":
            order_abandon(order=order, reason="Payment declined (test gateway)", actor=request.user)
            messages.error(request, "The test payment was declined; nothing was charged.")
            return redirect("order_detail", order_id=order.pk)
        event = gateway.checkout_completed_event(
            order_id=str(order.pk),
            session_id=order.checkout_session_id,
            amount=order.total_amount,
            currency=order.currency,
        )
        webhook_receive(event=event)
        return redirect("order_detail", order_id=order.pk)
    return render(request, "payments/local_pay.html", {"order": order})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify, store once, answer fast; processing happens on Celery."""
    try:
        event = verify_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except SignatureError:
        return HttpResponseBadRequest("invalid signature")
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        return HttpResponseBadRequest("malformed event")
    stored = webhook_receive(event=event)
    return HttpResponse(
        json.dumps({"received": True, "duplicate": stored is None}),
        content_type="application/json",
    )


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
            acting_user=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Decision recorded.")
    return redirect("refund_requests_review")


@login_required
@require_http_methods(["GET", "POST"])
def payouts(request):
    if not request.user.is_creator:
        raise Http404("Payouts are for creators.")
    if request.method == "POST":
        url = payout_onboarding_link(
            creator=request.user,
            refresh_url=request.build_absolute_uri(reverse("payouts")),
            return_url=request.build_absolute_uri(reverse("payouts")),
        )
        return redirect(url)
    return render(
        request, "payments/payouts.html", selectors.creator_earnings(creator=request.user)
    )
