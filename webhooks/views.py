"""The webhook pages under /account/webhooks/: the owner's endpoints only, 404 for others."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from webhooks.forms import EndpointForm
from webhooks.models import MAX_ENDPOINTS_PER_USER, DeliveryStatus
from webhooks.selectors.endpoints import endpoint_log, endpoint_of_owner, endpoints_for_owner
from webhooks.services.endpoints import (
    endpoint_create,
    endpoint_delete,
    endpoint_send_test,
    endpoint_set_active,
)


def _own_endpoint(request, endpoint_id):
    endpoint = endpoint_of_owner(owner=request.user, endpoint_id=endpoint_id)
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_list(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_create(owner=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Endpoint added. Copy its signing secret below.")
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    context = {
        "form": form,
        "endpoints": endpoints_for_owner(owner=request.user),
        "max_endpoints": MAX_ENDPOINTS_PER_USER,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/list.html", context, status=status)


def _log_context(endpoint) -> dict:
    """The log, and whether anything is still waiting (the log refreshes itself only then)."""
    deliveries = endpoint_log(endpoint=endpoint)
    waiting = any(delivery.status == DeliveryStatus.PENDING for delivery in deliveries)
    return {"endpoint": endpoint, "deliveries": deliveries, "waiting": waiting}


@login_required
@require_GET
def endpoint_detail(request, endpoint_id):
    endpoint = _own_endpoint(request, endpoint_id)
    history = endpoint.history.select_related("actor")
    return render(request, "webhooks/detail.html", {**_log_context(endpoint), "history": history})


@login_required
@require_GET
def endpoint_deliveries(request, endpoint_id):
    """The delivery log alone, for htmx refreshes."""
    endpoint = _own_endpoint(request, endpoint_id)
    return render(request, "webhooks/_deliveries.html", _log_context(endpoint))


@login_required
@require_POST
def endpoint_test(request, endpoint_id):
    endpoint = _own_endpoint(request, endpoint_id)
    endpoint_send_test(endpoint=endpoint, actor=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "webhooks/_deliveries.html", _log_context(endpoint))
    messages.success(request, "Test event queued; it appears in the log below.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def endpoint_active(request, endpoint_id):
    """Pause (`active=0`) or resume (`active=1`) sending new events."""
    endpoint = _own_endpoint(request, endpoint_id)
    active = request.POST.get("active") == "1"
    endpoint_set_active(endpoint=endpoint, actor=request.user, active=active)
    messages.success(request, "Endpoint resumed." if active else "Endpoint paused.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@login_required
@require_POST
def endpoint_remove(request, endpoint_id):
    endpoint = _own_endpoint(request, endpoint_id)
    endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, "Endpoint deleted; nothing more will be sent to it.")
    return redirect("webhooks:endpoint_list")
