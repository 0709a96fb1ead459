"""Privacy: the public privacy/retention page, the data export and account deletion."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from marketplace.forms.privacy import DeleteAccountForm
from marketplace.services.privacy import account_delete, account_export


@require_GET
def privacy_policy(request):
    return render(request, "marketplace/privacy.html")


@login_required
@require_http_methods(["GET", "POST"])
def privacy_settings(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=request.user, password=form.cleaned_data["password"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            logout(request)
            messages.success(request, "Your account was deleted. Thank you for using Promptfolio.")
            return redirect("home")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "marketplace/privacy_settings.html", {"form": form}, status=status)


@login_required
@require_POST
def privacy_export(request):
    data = account_export(user=request.user)
    response = HttpResponse(data, content_type="application/zip")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="promptfolio-data-{stamp}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
