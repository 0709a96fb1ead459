"""allauth's second-factor forms with our growing delays on wrong codes.

allauth counts wrong codes under its `login_failed` limit, which ADR 009 switches off (it
would let anyone lock an owner out by failing their password). Someone at this step has
already passed the password, so codes are counted per account, whoever sends them
(marketplace.services.login_throttle)."""

from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm

from marketplace.services.login_throttle import code_attempt_start, code_succeeded


class ThrottledCodeMixin:
    def clean_code(self) -> str:
        code_attempt_start(user_id=self.user.pk)
        code = super().clean_code()  # a wrong code raises, and stays counted
        code_succeeded(user_id=self.user.pk)
        return code


class ThrottledAuthenticateForm(ThrottledCodeMixin, AuthenticateForm):
    pass


class ThrottledReauthenticateForm(ThrottledCodeMixin, ReauthenticateForm):
    pass
