"""Thin commission views: validate input shape, call one service, map ApplicationError."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commissions.forms import BriefActionForm, BriefForm, InstantCommissionForm
from commissions.selectors import (
    commission_for_participant,
    commissions_for_user,
)
from commissions.services import brief as brief_services
from commissions.services.credit import commission_instant_pay_with_credit
from commissions.services.instant import commission_instant_checkout
from core.errors import ApplicationError
from core.forms import add_application_error
from core.ratelimits import RateLimited
from core.watch import conditional_watch
from generation.models import Piece, Style
from generation.selectors.styles import style_public
from marketplace.decorators import verified_email_required
from payments.models import OrderLine
from payments.selectors import credit_balance

User = get_user_model()


@verified_email_required
@require_http_methods(["GET", "POST"])
def instant_start(request, style_id):
    public = style_public(style_id=style_id)
    if public is None:
        raise Http404("No such style.")
    form = InstantCommissionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        style = get_object_or_404(Style, pk=style_id)
        cancel = request.build_absolute_uri(reverse("style_detail", kwargs={"style_id": style_id}))
        try:
            if form.cleaned_data["pay_with"] == "credit":
                commission, _ = commission_instant_pay_with_credit(
                    buyer=request.user, style=style, **form.service_kwargs()
                )
                messages.success(request, "Paid from your credit; your images are on the way.")
                return redirect("commissions:detail", commission_id=commission.pk)
            _, order = commission_instant_checkout(
                buyer=request.user,
                style=style,
                success_url=request.build_absolute_uri("/orders/ORDER_ID/"),
                cancel_url=cancel,
                **form.service_kwargs(),
            )
        except RateLimited:
            raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect(order.checkout_url)
    status = 400 if form.errors else 200
    context = {
        "style": public,
        "form": form,
        "credit": credit_balance(user=request.user, currency=public.currency),
    }
    return render(request, "commissions/instant_start.html", context, status=status)


@login_required
@require_GET
def commission_list(request):
    return render(
        request, "commissions/list.html", {"commissions": commissions_for_user(user=request.user)}
    )


def _participant_or_404(request, commission_id):
    commission = commission_for_participant(user=request.user, commission_id=commission_id)
    if commission is None:
        raise Http404("No such commission.")
    return commission


@conditional_watch("commission", "commission_id")
@login_required
@require_GET
def commission_detail(request, commission_id):
    commission = _participant_or_404(request, commission_id)
    context = {
        "commission": commission,
        "is_buyer": commission.buyer_id == request.user.pk,
        "is_creator": commission.creator_id == request.user.pk,
        "grant": getattr(commission.order_line, "licence_grant", None)
        if commission.order_line_id
        else None,
        "my_pieces": Piece.objects.filter(owner=request.user, job__status="succeeded").order_by(
            "-created_at"
        )[:24]
        if commission.creator_id == request.user.pk
        else [],
    }
    return render(request, "commissions/detail.html", context)


@login_required
@require_GET
def commission_from_line(request, line_id):
    line = get_object_or_404(OrderLine, pk=line_id, order__buyer=request.user)
    commission = getattr(line, "commission", None)
    if commission is None:
        raise Http404("No commission for this purchase.")
    return redirect("commissions:detail", commission_id=commission.pk)


@verified_email_required
@require_http_methods(["GET", "POST"])
def brief_create_view(request, creator_id):
    creator = get_object_or_404(User, pk=creator_id, is_creator=True)
    form = BriefForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            commission = brief_services.commission_brief_create(
                buyer=request.user,
                creator=creator,
                **form.service_kwargs(),
            )
        except RateLimited:
            raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Brief sent. The creator will quote or decline.")
            return redirect("commissions:detail", commission_id=commission.pk)
    status = 400 if form.errors else 200
    return render(
        request, "commissions/brief_form.html", {"creator": creator, "form": form}, status=status
    )


@verified_email_required
@require_POST
def brief_action(request, commission_id, action):
    commission = _participant_or_404(request, commission_id)
    user, form = request.user, BriefActionForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{name.capitalize()}: {errors[0]}")
        return redirect("commissions:detail", commission_id=commission.pk)
    note = form.cleaned_data["note"]
    try:
        if action == "quote":
            brief_services.commission_brief_quote(
                commission=commission, actor=user, quote_amount=form.quote_amount(), note=note
            )
        elif action == "decline":
            brief_services.commission_brief_decline(commission=commission, actor=user, reason=note)
        elif action == "pay":
            order = brief_services.commission_brief_checkout(
                commission=commission,
                buyer=user,
                success_url=request.build_absolute_uri("/orders/ORDER_ID/"),
                cancel_url=request.build_absolute_uri(request.path),
            )
            return redirect(order.checkout_url)
        elif action == "deliver":
            pieces = Piece.objects.filter(pk__in=form.cleaned_data["pieces"], owner=user)
            brief_services.commission_brief_deliver(
                commission=commission, actor=user, pieces=list(pieces), note=note
            )
        elif action == "accept":
            brief_services.commission_brief_accept(commission=commission, actor=user)
        elif action == "revise":
            brief_services.commission_brief_request_revision(
                commission=commission, actor=user, note=note
            )
        else:
            raise Http404("Unknown action.")
    except RateLimited:
        raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("commissions:detail", commission_id=commission.pk)
