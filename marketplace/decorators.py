"""View guards for what only a confirmed, well-protected account may do.

Selling, buying and cashing out need a verified email (one rule: `email_verified`);
changing payout details also needs a second factor used in the last few minutes.
"""

import time
from functools import wraps
from urllib.parse import urlencode

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from marketplace.selectors.accounts import email_verified

VERIFY_FIRST = (
    "Please verify your email address before you buy, sell or cash out: open the link we "
    "emailed you, or send it again from this page."
)


def _redirect(name: str, request: HttpRequest) -> HttpResponseRedirect:
    """To `name`, coming back here afterwards (a POST comes back to the page it was sent
    from, when that page is ours)."""
    back = request.get_full_path() if request.method == "GET" else request.META.get("HTTP_REFERER")
    if back and not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = None
    query = f"?{urlencode({'next': back})}" if back else ""
    return HttpResponseRedirect(reverse(name) + query)


def verified_email_required(view):
    """Send a person without a verified address to the page that re-sends the link."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if not email_verified(user=request.user):
            messages.warning(request, VERIFY_FIRST)
            return _redirect("account_email", request)
        return view(request, *args, **kwargs)

    return guarded


def recently_used_mfa(request: HttpRequest) -> bool:
    """Did this session pass a second factor within ACCOUNT_REAUTHENTICATION_TIMEOUT?"""
    records = get_authentication_records(request, request.user)
    cutoff = time.time() - account_settings.REAUTHENTICATION_TIMEOUT
    return any(r.get("method") == "mfa" and r.get("at", 0) >= cutoff for r in records)


def mfa_reauthentication_required(view):
    """POSTs need a second factor set up and used just now; GETs pass (they change nothing)."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if request.method == "POST":
            if not is_mfa_enabled(request.user):
                messages.warning(
                    request, "Set up two-factor authentication before changing payout details."
                )
                return _redirect("mfa_index", request)
            if not recently_used_mfa(request):
                messages.info(request, "Confirm it is you with your second factor to continue.")
                return _redirect("mfa_reauthenticate", request)
        return view(request, *args, **kwargs)

    return guarded
