"""Public notice-and-action pages: report something (anyone), confirm a report by its
mailed link, complain about a decision by its link, and one's own statements of reasons."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.clients import client_address
from core.errors import ApplicationError
from core.forms import add_application_error
from core.ratelimits import Limit, rate_limit_take
from disputes.forms.notices import ComplaintForm, NoticeForm
from disputes.models import NoticeTarget, StatementOfReasons
from disputes.selectors.notices import statement_for_user, statements_for_user
from disputes.services.complaints import complaint_lodge, complaint_subject
from disputes.services.notices import notice_confirm, notice_submit, notice_target
from disputes.services.statements import statement_text
from disputes.services.tokens import complaint_path


def _target_from_query(request) -> tuple[str, str]:
    for kind in NoticeTarget.values:
        if request.GET.get(kind):
            return kind, request.GET[kind]
    raise Http404("Nothing to report.")


def _take_anonymous_slot(request) -> None:
    per_client, seconds = settings.NOTICE_RATE_LIMIT_PER_CLIENT, settings.NOTICE_RATE_LIMIT_SECONDS
    rate_limit_take(
        Limit("notice:client", per_client, seconds),
        client_address(request),
        message=f"Too many reports from this address: the limit is {per_client} "
        f"every {seconds // 60} minutes. Sign in to send more.",
    )


@require_http_methods(["GET", "POST"])
def notice_new(request):
    signed_in = request.user.is_authenticated
    if request.method == "POST":
        form = NoticeForm(request.POST, signed_in=signed_in)
    else:
        kind, target_id = _target_from_query(request)
        try:
            notice_target(kind=kind, target_id=target_id)
        except ApplicationError:
            raise Http404("Nothing public to report here.") from None
        form = NoticeForm(
            initial={"target_kind": kind, "target_id": target_id}, signed_in=signed_in
        )
    if request.method == "POST" and form.is_valid():
        if not signed_in:
            _take_anonymous_slot(request)
        data = form.cleaned_data
        try:
            notice = notice_submit(
                reporter=request.user,
                email=data.get("email") or "",
                category=data["category"],
                statement=data["statement"],
                kind=data["target_kind"],
                target_id=data["target_id"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return render(request, "disputes/notices/sent.html", {"notice": notice})
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "disputes/notices/new.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def notice_confirm_view(request, token):
    """GET shows a button (mail scanners follow links); POST confirms."""
    if request.method == "GET":
        return render(request, "disputes/notices/confirm.html", {"token": token})
    try:
        notice = notice_confirm(token=token)
    except ApplicationError as error:
        context = {"token": token, "error": error.message}
        return render(request, "disputes/notices/confirm.html", context, status=400)
    return render(request, "disputes/notices/confirm.html", {"notice": notice, "done": True})


@require_http_methods(["GET", "POST"])
def complaint_new(request, token):
    """The link is the credential: a suspended account or an anonymous reporter can use it."""
    try:
        subject = complaint_subject(token=token)
    except ApplicationError as error:
        return render(request, "disputes/complaints/new.html", {"error": error.message}, status=404)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_lodge(token=token, reason=form.cleaned_data["reason"], user=request.user)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return render(request, "disputes/complaints/lodged.html", {})
    is_statement = isinstance(subject, StatementOfReasons)
    context = {
        "form": form,
        "statement": subject if is_statement else None,
        "notice": None if is_statement else subject,
        "text": statement_text(subject) if is_statement else "",
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "disputes/complaints/new.html", context, status=status)


@login_required
@require_GET
def statement_list(request):
    context = {"statements": statements_for_user(user=request.user)}
    return render(request, "disputes/statements/list.html", context)


@login_required
@require_GET
def statement_detail(request, statement_id):
    statement = statement_for_user(user=request.user, statement_id=statement_id)
    if statement is None:
        raise Http404("No such statement.")
    deadline = statement.created_at + timedelta(days=settings.COMPLAINT_WINDOW_DAYS)
    context = {
        "statement": statement,
        "complaint": getattr(statement, "complaint", None),
        "complaint_url": complaint_path(statement_id=statement.pk),
        "deadline": deadline,
        "can_complain": deadline > timezone.now(),
    }
    return render(request, "disputes/statements/detail.html", context)
