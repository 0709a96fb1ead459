"""Takedown pages: file a notice (verified email), the case page for both parties and
moderators, the counter-notice, court-action and withdrawal forms, the moderators' queue and
their decision. Anyone else gets 404; every POST calls exactly one service."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.forms import add_application_error
from disputes.forms.takedowns import (
    CounterNoticeForm,
    CourtActionForm,
    TakedownForm,
    TakedownModerationForm,
    WithdrawForm,
)
from disputes.models import TakedownStatus
from disputes.selectors.takedowns import (
    artist_claims_open,
    listing_for_takedown,
    takedown_events,
    takedown_visible,
    takedowns_for_moderation,
)
from disputes.services import takedowns as svc
from marketplace.decorators import verified_email_required
from marketplace.models import Listing

QUEUE_SIZE = 100


def _notice_or_404(request, takedown_id):
    notice = takedown_visible(takedown_id=takedown_id, user=request.user)
    if notice is None:
        raise Http404("No such notice.")
    return notice


def _listing_or_404(request) -> Listing:
    """The listing on sale named by ?listing=<uuid>, or 404."""
    try:
        listing_id = uuid.UUID(request.GET.get("listing", ""))
    except ValueError:
        raise Http404("No such listing.") from None
    listing = listing_for_takedown(listing_id=listing_id)
    if listing is None:
        raise Http404("No such listing.")
    return listing


@verified_email_required
@require_http_methods(["GET", "POST"])
def takedown_new(request):
    listing = _listing_or_404(request)
    form = TakedownForm(request.POST or None, initial={"contact_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            notice = svc.takedown_file(
                claimant=request.user,
                listing=listing,
                statements=svc.NoticeStatements(**form.cleaned_data),
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Notice filed. The listing is disabled while it is handled.")
            return redirect(notice)
    status = 400 if form.errors else 200
    context = {"form": form, "listing": listing}
    return render(request, "disputes/takedowns/new.html", context, status=status)


def _detail(request, notice, *, status: int = 200, **forms):
    is_claimant = request.user.pk == notice.claimant_id
    is_respondent = request.user.pk == notice.respondent_id
    context = {
        "notice": notice,
        "events": takedown_events(notice=notice),
        "is_claimant": is_claimant,
        "can_counter": is_respondent and notice.status == TakedownStatus.DISABLED,
        "can_report_court": is_claimant and notice.status == TakedownStatus.COUNTERED,
        "can_withdraw": is_claimant and notice.is_active,
        "can_moderate": request.user.is_moderator and notice.is_active,
        "counter_form": forms.get("counter_form") or CounterNoticeForm(),
        "court_form": forms.get("court_form") or CourtActionForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "moderation_form": forms.get("moderation_form") or TakedownModerationForm(),
    }
    return render(request, "disputes/takedowns/detail.html", context, status=status)


@login_required
@require_GET
def takedown_detail(request, takedown_id):
    return _detail(request, _notice_or_404(request, takedown_id))


def _post(request, takedown_id, form_class, form_name: str, call, done: str):
    """Validate `form_class`, call the one service, redirect or re-render with the error."""
    notice = _notice_or_404(request, takedown_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(notice, form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, done)
            return redirect(notice)
    return _detail(request, notice, status=400, **{form_name: form})


@login_required
@require_POST
def takedown_counter(request, takedown_id):
    def call(notice, data):
        statements = svc.CounterStatements(**data)
        svc.takedown_counter_notify(notice=notice, actor=request.user, statements=statements)

    done = "Counter-notice sent. The listing comes back on the date shown unless a court acts."
    return _post(request, takedown_id, CounterNoticeForm, "counter_form", call, done)


@login_required
@require_POST
def takedown_court_action(request, takedown_id):
    def call(notice, data):
        svc.takedown_report_court_action(
            notice=notice, actor=request.user, case_reference=data["case_reference"]
        )

    done = "Court action recorded. The listing stays down until a moderator decides."
    return _post(request, takedown_id, CourtActionForm, "court_form", call, done)


@login_required
@require_POST
def takedown_withdraw(request, takedown_id):
    def call(notice, data):
        svc.takedown_withdraw(notice=notice, actor=request.user, note=data["note"])

    return _post(request, takedown_id, WithdrawForm, "withdraw_form", call, "Notice withdrawn.")


@login_required
@require_POST
def takedown_moderate(request, takedown_id):
    if not request.user.is_moderator:
        raise Http404("No such page.")

    def call(notice, data):
        svc.takedown_moderate(
            notice=notice, moderator=request.user, decision=data["decision"], note=data["note"]
        )

    return _post(request, takedown_id, TakedownModerationForm, "moderation_form", call, "Done.")


@login_required
@require_GET
def takedown_queue(request):
    """Moderators' queue of takedown notices and open artist claims."""
    if not request.user.is_moderator:
        raise Http404("No such page.")
    context = {
        "notices": takedowns_for_moderation()[:QUEUE_SIZE],
        "claims": artist_claims_open()[:QUEUE_SIZE],
    }
    return render(request, "disputes/takedowns/queue.html", context)
