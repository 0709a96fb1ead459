"""How django-allauth fits our accounts: signups go through `user_create`, client
addresses come from `core.clients`, and sign-in attempts meet our growing delays."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from core.clients import client_address
from marketplace.services.accounts import user_create
from marketplace.services.login_throttle import login_attempt_start, login_succeeded


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address behind TRUSTED_PROXY_COUNT proxies, as every other limit sees it."""
        return client_address(request)

    def save_user(self, request, user, form, commit=True):
        """One way to create an account, with its password checks and AccountEvent."""
        data = form.cleaned_data
        return user_create(
            email=data["email"],
            password=data["password1"],
            display_name=data.get("display_name", ""),
        )

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        # Counted (and refused with RateLimited → 429) before the password is checked, in
        # one atomic step, so parallel guesses cannot all slip through the same check.
        login_attempt_start(email=credentials.get("email", ""), ip=client_address(request))

    def authenticate(self, request: HttpRequest, **credentials: Any):
        user = super().authenticate(request, **credentials)
        if user is not None:
            login_succeeded(email=credentials.get("email", ""), ip=client_address(request))
        return user
