from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError
from core.forms import NotificationPreferencesForm
from core.selectors.notifications import notification_choices_for, notifications_for
from core.services.notification_preferences import (
    notification_preferences_save,
    notification_unsubscribe,
    unsubscribe_read,
)
from core.services.notifications import notifications_mark_read


@login_required
@require_GET
def notification_list(request):
    rows = notifications_for(user=request.user)
    notifications_mark_read(user=request.user)
    return render(request, "core/notifications.html", {"notifications": rows})


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """Per kind of notice: in-app and/or email."""
    form = NotificationPreferencesForm(
        request.POST if request.method == "POST" else None,
        choices=notification_choices_for(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        notification_preferences_save(user=request.user, choices=form.chosen())
        messages.success(request, "Notification settings saved.")
        return redirect("core:notification_preferences")
    return render(request, "core/notification_preferences.html", {"form": form})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def notification_unsubscribe_view(request, token):
    """Every notification mail's List-Unsubscribe link (RFC 8058). The signed token is the
    credential, so no login and no CSRF token: a mail client POSTs
    `List-Unsubscribe=One-Click` itself. A GET only shows the button (mail scanners open
    links), and a broken or forged link gets a 400 page saying so."""
    template = "core/notification_unsubscribe.html"
    try:
        if request.method == "POST":
            kind = notification_unsubscribe(token=token)
        else:
            _, kind = unsubscribe_read(token)
    except ApplicationError as error:
        return render(request, template, {"error": error.message}, status=400)
    context = {"kind": kind, "done": request.method == "POST"}
    return render(request, template, context)
