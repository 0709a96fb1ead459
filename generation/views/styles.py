"""Styles: public browse/detail (samples only, never the recipe) and the creator's pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from generation.forms.styles import StyleCreateForm, StyleRecipeForm
from generation.selectors.styles import (
    style_for_creator,
    style_public,
    style_samples,
    styles_for_creator,
    styles_published,
)
from generation.services.styles import style_create, style_publish_version, style_withdraw


@require_GET
def style_browse(request):
    return render(request, "generation/styles/browse.html", {"styles": styles_published()[:60]})


@require_GET
def style_detail(request, style_id):
    style = style_public(style_id=style_id)
    if style is None:
        raise Http404("No such style.")
    return render(request, "generation/styles/detail.html", {"style": style})


@login_required
@require_GET
def my_styles(request):
    if not request.user.is_creator:
        raise Http404("Styles are for creators.")
    styles = styles_for_creator(creator=request.user)
    return render(request, "generation/styles/mine.html", {"styles": styles})


@login_required
@require_http_methods(["GET", "POST"])
def style_new(request):
    if not request.user.is_creator:
        raise Http404("Styles are for creators.")
    form = StyleCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            style = style_create(creator=request.user, **form.create_kwargs())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Style published; its samples are being generated.")
            return redirect("style_manage", style_id=style.pk)
    status = 400 if form.errors else 200
    return render(request, "generation/styles/form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def style_manage(request, style_id):
    """The owner's page: the recipe, versions, samples, new version, withdraw."""
    style = style_for_creator(creator=request.user, style_id=style_id)
    if style is None:
        raise Http404("No such style.")
    form = StyleRecipeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            style_publish_version(style=style, actor=request.user, **form.recipe_kwargs())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "New version published; past commissions keep theirs.")
            return redirect("style_manage", style_id=style.pk)
    context = {
        "style": style,
        "versions": style.versions.order_by("-number").prefetch_related("adapters"),
        "samples": style_samples(style=style),
        "form": form,
    }
    return render(
        request, "generation/styles/manage.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def style_withdraw_view(request, style_id):
    style = style_for_creator(creator=request.user, style_id=style_id)
    if style is None:
        raise Http404("No such style.")
    style_withdraw(style=style, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, "Style withdrawn; paid commissions still complete.")
    return redirect("style_manage", style_id=style.pk)
