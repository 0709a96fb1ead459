"""How django-allauth fits our accounts: signups go through `user_create`, client
addresses come from `core.clients`, and failed logins meet our growing delays."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from core.clients import client_address
from core.ratelimits import RateLimited
from marketplace.services.accounts import user_create
from marketplace.services.login_throttle import login_failed, login_retry_after, login_succeeded


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
        email = credentials.get("email", "")
        wait = login_retry_after(email=email, ip=client_address(request))
        if wait > 0:
            raise RateLimited(
                "Too many failed sign-in attempts from your connection. Wait a moment, "
                "or reset your password if you have forgotten it.",
                retry_after=wait,
            )

    def authenticate(self, request: HttpRequest, **credentials: Any):
        user = super().authenticate(request, **credentials)
        if user is not None:
            login_succeeded(email=credentials.get("email", ""), ip=client_address(request))
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login_failed(email=credentials.get("email", ""), ip=client_address(request))
