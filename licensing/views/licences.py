"""Licence views: the licensee's certificate PDF, the public certificate check, and the
creator's page for choosing which tiers a listing offers at what price."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError
from core.forms import add_application_error
from licensing.forms import LicenceOffersForm
from licensing.models import GrantStatus
from licensing.selectors.grants import (
    grant_for_certificate,
    grant_for_licensee,
    grant_recorded_pieces,
    listing_has_explicit_offers,
    listing_offers,
    tiers_offerable,
)
from licensing.services.certificates import certificate_pdf, certificate_verify_url
from licensing.services.grants import licence_offers_set
from marketplace.selectors.listings import listing_for_creator


@login_required
@require_GET
def grant_certificate_pdf(request, grant_id):
    """The certificate of a grant, for its licensee only (anyone else: 404)."""
    grant = grant_for_licensee(grant_id=grant_id, user=request.user)
    if grant is None:
        raise Http404("No such licence.")
    response = HttpResponse(certificate_pdf(grant=grant), content_type="application/pdf")
    filename = f"promptfolio-licence-{grant.certificate.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def certificate_verify(request, certificate_id):
    """Public: is this certificate's licence valid? No licensee, email or price shown."""
    grant = grant_for_certificate(certificate_id=certificate_id)
    if grant is None:
        raise Http404("No such certificate.")
    context = {
        "grant": grant,
        "certificate": grant.certificate,
        "valid": grant.status == GrantStatus.ACTIVE,
        "pieces": list(grant.pieces.all()),
        "recorded": grant_recorded_pieces(grant=grant),
        "verify_url": certificate_verify_url(grant.certificate.pk),
    }
    response = render(request, "licensing/certificate_verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def listing_licences(request, listing_id):
    """Creator only: tier → price for one listing (blank = not offered)."""
    listing = listing_for_creator(creator=request.user, listing_id=listing_id)
    if listing is None:
        raise Http404("No such listing.")
    form = LicenceOffersForm(
        request.POST or None, offers=listing_offers(listing=listing), tiers=tiers_offerable()
    )
    if request.method == "POST" and form.is_valid():
        try:
            licence_offers_set(listing=listing, actor=request.user, offers=form.offers_minor())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Licence tiers saved.")
            return redirect("licensing:listing_licences", listing_id=listing.pk)
    context = {
        "form": form,
        "listing": listing,
        "explicit": listing_has_explicit_offers(listing=listing),
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "licensing/listing_licences.html", context, status=status)
