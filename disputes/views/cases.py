"""Dispute pages for the parties: file, follow, message, add evidence, appeal; evidence
downloads (parties and moderators only); in-app notifications. Everyone else gets 404."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commissions.selectors import commission_for_buyer
from core.errors import ApplicationError
from core.forms import add_application_error
from disputes.forms.cases import AppealForm, DisputeForm, EvidenceForm, MessageForm
from disputes.models import DisputeKind
from disputes.selectors.cases import (
    dispute_case,
    dispute_visible,
    disputes_for_user,
    evidence_visible,
)
from disputes.selectors.takedowns import artist_claims_for_user, takedowns_for_user
from disputes.services.decisions import dispute_appeal
from disputes.services.evidence import dispute_evidence_add
from disputes.services.filing import dispute_file, dispute_message_post
from licensing.models import LicenceGrant
from marketplace.models import Listing


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


def _target(request):
    """The listing, grant or commission named in the query string, or 404."""
    listing_id = _uuid_or_none(request.GET.get("listing", ""))
    grant_id = _uuid_or_none(request.GET.get("grant", ""))
    commission_id = _uuid_or_none(request.GET.get("commission", ""))
    if commission_id is not None:
        # A brief's delivery is disputed by its buyer.
        commission = commission_for_buyer(buyer=request.user, commission_id=commission_id)
        if commission is None:
            raise Http404("No such commission.")
        return None, None, commission
    if grant_id is not None:
        # Grants are disputed by the creator who sold them (a licensee's breach).
        grant = (
            LicenceGrant.objects.select_related("listing", "licensee")
            .filter(pk=grant_id, listing__creator=request.user)
            .first()
        )
        if grant is None:
            raise Http404("No such licence.")
        return grant.listing, grant, None
    listing = Listing.objects.select_related("creator").filter(pk=listing_id).first()
    if listing is None:
        raise Http404("No such listing.")
    return listing, None, None


def _case_or_404(request, dispute_id):
    dispute = dispute_visible(dispute_id=dispute_id, user=request.user)
    if dispute is None:
        raise Http404("No such case.")
    return dispute


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request):
    listing, grant, commission = _target(request)
    initial = {"kind": request.GET.get("kind") or DisputeKind.INFRINGEMENT}
    if grant is not None:
        initial["kind"] = DisputeKind.LICENCE_BREACH
    if commission is not None:
        initial["kind"] = DisputeKind.NON_DELIVERY
    form = DisputeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = dispute_file(
                claimant=request.user,
                kind=form.cleaned_data["kind"],
                statement=form.cleaned_data["statement"],
                listing=None if grant else listing,
                grant=grant,
                commission=commission,
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Dispute filed. Add evidence below; a moderator will review.")
            return redirect(dispute)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "listing": listing, "grant": grant, "commission": commission}
    return render(request, "disputes/cases/new.html", context, status=status)


@login_required
@require_GET
def dispute_list(request):
    context = {
        "disputes": disputes_for_user(user=request.user),
        "takedowns": takedowns_for_user(user=request.user),
        "artist_claims": artist_claims_for_user(user=request.user),
    }
    return render(request, "disputes/cases/list.html", context)


def _detail_context(request, dispute, **forms):
    context = {
        "case": dispute_case(dispute=dispute, viewer=request.user),
        "dispute": dispute,
        "message_form": forms.get("message_form") or MessageForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "appeal_form": forms.get("appeal_form") or AppealForm(),
        "is_party": request.user.pk in (dispute.claimant_id, dispute.respondent_id),
    }
    return context


@login_required
@require_GET
def dispute_detail(request, dispute_id):
    dispute = _case_or_404(request, dispute_id)
    return render(request, "disputes/cases/detail.html", _detail_context(request, dispute))


def _rerender(request, dispute, **forms):
    context = _detail_context(request, dispute, **forms)
    return render(request, "disputes/cases/detail.html", context, status=400)


@login_required
@require_POST
def dispute_message(request, dispute_id):
    dispute = _case_or_404(request, dispute_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            dispute_message_post(
                dispute=dispute,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Message posted.")
            return redirect(dispute)
    return _rerender(request, dispute, message_form=form)


@login_required
@require_POST
def dispute_evidence(request, dispute_id):
    dispute = _case_or_404(request, dispute_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            dispute_evidence_add(
                dispute=dispute,
                actor=request.user,
                upload=form.cleaned_data["file"],
                url=form.cleaned_data["url"] or "",
                description=form.cleaned_data["description"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Evidence added.")
            return redirect(dispute)
    return _rerender(request, dispute, evidence_form=form)


@login_required
@require_POST
def dispute_appeal_view(request, dispute_id):
    dispute = _case_or_404(request, dispute_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            dispute_appeal(dispute=dispute, actor=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Appeal filed. A moderator will look at the case again.")
            return redirect(dispute)
    return _rerender(request, dispute, appeal_form=form)


@login_required
@require_GET
def evidence_download(request, dispute_id, evidence_id):
    evidence = evidence_visible(dispute_id=dispute_id, evidence_id=evidence_id, user=request.user)
    if evidence is None:
        raise Http404("No such file.")
    storage = storages["default"]
    if hasattr(storage, "bucket_name"):
        return HttpResponseRedirect(storage.url(evidence.file.name))
    response = FileResponse(
        storage.open(evidence.file.name, "rb"), content_type=evidence.content_type
    )
    extension = evidence.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
