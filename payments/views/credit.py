"""Prepaid credit page: balances, the append-only history, and buying more credit through
the ordinary checkout (granted by the provider's signed event, like any order)."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.forms import add_application_error
from core.ratelimits import RateLimited
from marketplace.decorators import verified_email_required
from payments.forms import CreditTopUpForm
from payments.selectors import credit_summary
from payments.services.credit import credit_topup_checkout


@verified_email_required
@require_http_methods(["GET", "POST"])
def credit(request):
    form = CreditTopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = credit_topup_checkout(
                buyer=request.user,
                amount=form.amount_minor(),
                success_url=request.build_absolute_uri("/orders/ORDER_ID/"),
                cancel_url=request.build_absolute_uri(request.path),
            )
        except RateLimited:
            raise  # answered 429 with Retry-After by core.middleware.RateLimitedMiddleware
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect(order.checkout_url)
    status = 400 if form.errors else 200
    context = {"form": form, **credit_summary(user=request.user)}
    return render(request, "payments/credit.html", context, status=status)
