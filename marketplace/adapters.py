"""How django-allauth fits our accounts: signups go through `user_create`, client
addresses come from `core.clients`, sign-in attempts meet our growing delays, and account
mail goes out from the mail task like all our mail."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from core.clients import client_address
from core.services.mail import email_enqueue_message
from marketplace.services.accounts import user_create
from marketplace.services.login_throttle import login_attempt_start, login_succeeded


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address behind TRUSTED_PROXY_COUNT proxies, as every other limit sees it."""
        return client_address(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Rendered here, where the templates have the request; delivered by the mail task
        after commit (verification, password reset, "account already exists")."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        email_enqueue_message(self.render_mail(template_prefix, email, ctx))

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
