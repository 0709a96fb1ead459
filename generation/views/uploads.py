from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from core.forms import add_application_error
from generation.forms.uploads import UploadCommissionForm
from generation.services.uploads import job_create_from_upload


@login_required
@require_http_methods(["GET", "POST"])
def commission_from_picture(request):
    """Image-to-image from an uploaded picture; a queued job lands on its job page."""
    form = UploadCommissionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = job_create_from_upload(
                owner=request.user, upload=form.cleaned_data["image"], spec=form.upload_spec()
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("job_detail", job_id=job.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "generation/commission_from_picture.html", {"form": form}, status=status)
