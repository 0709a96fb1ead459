"""Creator payouts: earnings and the provider's onboarding link (a verified email to see
them; a second factor used just now to change where the money goes)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from marketplace.decorators import mfa_reauthentication_required, verified_email_required
from payments import selectors
from payments.services.payouts import payout_onboarding_link


@verified_email_required
@mfa_reauthentication_required
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
