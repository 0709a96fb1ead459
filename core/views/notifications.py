from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.selectors.notifications import notifications_for
from core.services.notifications import notifications_mark_read


@login_required
@require_GET
def notification_list(request):
    rows = notifications_for(user=request.user)
    notifications_mark_read(user=request.user)
    return render(request, "core/notifications.html", {"notifications": rows})
