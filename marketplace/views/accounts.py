from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.forms import add_application_error
from generation.selectors.quotas import quota_usage
from marketplace.decorators import verified_email_required
from marketplace.forms.accounts import CreatorOnboardingForm, ProfileForm
from marketplace.services.accounts import creator_onboard, user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    initial = {"display_name": user.display_name, "bio": user.bio}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("profile")
    context = {"form": form, "usage": quota_usage(user_id=user.pk)}
    return render(request, "accounts/profile.html", context, status=_status(request, form))


@verified_email_required
@require_http_methods(["GET", "POST"])
def creator_onboarding(request):
    user = request.user
    initial = {"display_name": user.display_name, "bio": user.bio}
    form = CreatorOnboardingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            creator_onboard(user=user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Your creator profile is live.")
            return redirect("profile")
    return render(
        request, "accounts/creator_onboarding.html", {"form": form}, status=_status(request, form)
    )


def _status(request, form) -> int:
    """Re-rendered forms with errors answer 400 so clients and tests can tell."""
    return 400 if request.method == "POST" and form.errors else 200


class SignupView(AllauthSignupView):
    """allauth's signup, where a refusal from `user_create` is a form error: two signups
    with one new address can both pass the form's check, and the one the unique constraint
    turns away sees "already registered", not a 500 (nothing of it was written)."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ApplicationError as error:
            add_application_error(form, error)
            return self.form_invalid(form)


signup = SignupView.as_view()
