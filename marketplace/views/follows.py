"""Thin views for follows: follow/unfollow a creator or a style (POST; an htmx request gets
the button back, any other a redirect) and the Following page."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.ratelimits import RateLimited
from marketplace.selectors.follows import follow_target_creator, follow_target_style, follows_of
from marketplace.services.follows import (
    creator_follow,
    creator_unfollow,
    style_follow,
    style_unfollow,
)

FOLLOWING_PAGE_SIZE = 50
LOCAL_PATH = re.compile(r"/(?![/\\])[!-~]{0,500}")


def _next(request, default: str) -> str:
    """Where the form came from (its `next` field: a path on this site, printable, no
    whitespace, so it is safe in a Location header), else `default`."""
    target = request.POST.get("next", "")
    if LOCAL_PATH.fullmatch(target) and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return default


def _answer(request, *, change, following: bool, target: dict, default: str, done: str):
    """Run `change`; answer with the button (htmx) or a message and a redirect."""
    try:
        change()
    except RateLimited:
        raise  # the 429 page (core.middleware.RateLimitedMiddleware)
    except ApplicationError as error:
        if error.code == "not_found":
            raise Http404(error.message) from None
        return _reply(request, target, following=not following, default=default, error=error)
    return _reply(request, target, following=following, default=default, done=done)


def _reply(request, target: dict, *, following: bool, default: str, done="", error=None):
    """htmx: the button in its new state (and the refusal, if any); else a redirect back
    with the message."""
    if request.headers.get("HX-Request"):
        context = {**target, "is_following": following, "next": _next(request, default)}
        context["error"] = error.message if error else ""
        return render(request, "marketplace/_follow_button.html", context)
    if error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_next(request, default))


def _creator_or_404(request, creator_id):
    creator = follow_target_creator(viewer=request.user, creator_id=creator_id)
    if creator is None:
        raise Http404("No such creator.")
    return creator


def _style_or_404(request, style_id):
    style = follow_target_style(viewer=request.user, style_id=style_id)
    if style is None:
        raise Http404("No such style.")
    return style


def _creator_change(request, creator_id, *, follow: bool):
    creator = _creator_or_404(request, creator_id)
    service = creator_follow if follow else creator_unfollow
    name = creator.public_name
    return _answer(
        request,
        change=lambda: service(follower=request.user, creator=creator),
        following=follow,
        target={"creator": creator},
        default=reverse("storefront", kwargs={"creator_id": creator.pk}),
        done=f"You follow {name} now." if follow else f"You no longer follow {name}.",
    )


def _style_change(request, style_id, *, follow: bool):
    style = _style_or_404(request, style_id)
    service = style_follow if follow else style_unfollow
    return _answer(
        request,
        change=lambda: service(follower=request.user, style=style),
        following=follow,
        target={"style": style},
        default=reverse("style_detail", kwargs={"style_id": style.pk}),
        done=f"You follow the style {style.title} now."
        if follow
        else f"You no longer follow the style {style.title}.",
    )


@login_required
@require_POST
def creator_follow_view(request, creator_id):
    return _creator_change(request, creator_id, follow=True)


@login_required
@require_POST
def creator_unfollow_view(request, creator_id):
    return _creator_change(request, creator_id, follow=False)


@login_required
@require_POST
def style_follow_view(request, style_id):
    return _style_change(request, style_id, follow=True)


@login_required
@require_POST
def style_unfollow_view(request, style_id):
    return _style_change(request, style_id, follow=False)


@login_required
@require_GET
def following(request):
    page = Paginator(follows_of(user=request.user), FOLLOWING_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "marketplace/following.html", {"page": page})
