"""Checkout pages: start a licence purchase, the order pages, the local test gateway."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.ratelimits import RateLimited
from core.watch import conditional_watch
from marketplace.decorators import verified_email_required
from marketplace.models import Listing
from payments import selectors
from payments.gateway import get_gateway
from payments.services.checkout import checkout_start, order_abandon
from payments.services.webhooks import webhook_receive


@verified_email_required
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
    except RateLimited:
        raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
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


@conditional_watch("order", "order_id")
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
