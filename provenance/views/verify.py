"""Public verification pages: anyone can check a piece's provenance or identify an image."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.clients import client_address
from core.images import open_untrusted_image
from core.ratelimits import Limit, rate_limit_take
from provenance import c2pa_manifest, keypoints, xmp
from provenance.forms import IdentifyImageForm
from provenance.phash import phash_hex
from provenance.selectors.edits import contribution_summary, provenance_edit_chain
from provenance.selectors.keypoints import keypoint_lookup_get
from provenance.selectors.records import (
    ledger_entries_for_piece,
    provenance_identify_image,
    provenance_manifest_status,
    provenance_manifest_store,
    provenance_record_get,
    provenance_recover_manifest,
)
from provenance.services.lookups import keypoint_lookup_start

MIME_BY_FORMAT = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


@require_http_methods(["GET"])
def verify_piece(request, piece_id):
    record = provenance_record_get(piece_id=piece_id)
    if record is None:
        raise Http404("No provenance record for this piece.")
    source_type = xmp.digital_source_type(record.human_contribution)
    context = {
        "record": record,
        "phash_hex": phash_hex(record.phash),
        "entries": ledger_entries_for_piece(piece_id=piece_id),
        "manifest": provenance_manifest_status(record=record),
        "digital_source_type": source_type,
        "source_type_name": source_type.rsplit("/", 1)[-1],
        "chain": provenance_edit_chain(record=record),
        "contribution": contribution_summary(record=record),
    }
    return render(request, "provenance/verify_piece.html", context)


@require_http_methods(["GET"])
def verify_manifest(request, piece_id):
    """The stored original's C2PA manifest store, so a stripped copy's credentials can be
    checked with any C2PA tool. Not for a hidden piece (its image is off the site)."""
    record = provenance_record_get(piece_id=piece_id)
    store = None
    if record is not None and record.piece.hidden_at is None:
        store = provenance_manifest_store(record=record)
    if store is None:
        raise Http404("No manifest for this piece.")
    response = HttpResponse(store, content_type="application/c2pa")
    response["Content-Disposition"] = f'attachment; filename="promptfolio-{piece_id}.c2pa"'
    return response


def _take_upload_slot(request) -> None:
    """Each upload decodes an image and searches every fingerprint: count it against the
    client's address and, when signed in, the person (RateLimited → a 429 page)."""
    seconds = settings.VERIFY_RATE_LIMIT_SECONDS
    per_client = settings.VERIFY_RATE_LIMIT_PER_CLIENT
    rate_limit_take(
        Limit("verify:client", per_client, seconds),
        client_address(request),
        message=(
            "Too many image checks from this address: "
            f"the limit is {per_client} every {seconds} seconds."
        ),
    )
    if request.user.is_authenticated:
        per_user = settings.VERIFY_RATE_LIMIT_PER_USER
        rate_limit_take(
            Limit("verify:user", per_user, seconds),
            request.user.pk,
            message=(
                "Too many image checks from your account: "
                f"the limit is {per_user} every {seconds} seconds."
            ),
        )


MIN_FINGERPRINT_SIDE = 32


def _unmatchable(form, image) -> bool:
    """A form error for a picture too small to fingerprint; True for one flat colour (it
    carries no mark, fingerprint or keypoint, so there is nothing to look up)."""
    width, height = image.size
    if min(width, height) < MIN_FINGERPRINT_SIDE:
        form.add_error(
            "image",
            f"This image is {width}×{height} pixels: too small to fingerprint (we need at "
            f"least {MIN_FINGERPRINT_SIDE} pixels on each side).",
        )
        return False
    return all(low == high for low, high in image.convert("RGB").getextrema())


@require_http_methods(["GET", "POST"])
def verify_lookup(request):
    form = IdentifyImageForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "manifest": None, "recovered": None}
    if request.method == "POST":
        _take_upload_slot(request)
        if form.is_valid():
            context.update(_identify(form))
    return render(
        request,
        "provenance/verify_lookup.html",
        context,
        status=400 if form.errors else 200,
    )


def _identify(form) -> dict:
    """The cheap signals now (manifest, watermark, pHash); the keypoint search queued for the
    lookup worker unless the watermark already names the piece exactly."""
    upload = form.cleaned_data["image"]
    try:
        image = open_untrusted_image(
            upload,
            max_bytes=getattr(settings, "PROVENANCE_VERIFY_MAX_BYTES", 8 * 1024 * 1024),
            max_pixels=getattr(settings, "PROVENANCE_VERIFY_MAX_PIXELS", 4096 * 4096),
        )
    except ValidationError as error:
        form.add_error("image", error)
        return {}
    if _unmatchable(form, image):
        return {"flat": True}
    if form.errors:
        return {}
    result = provenance_identify_image(image=image)
    manifest = None
    mime = MIME_BY_FORMAT.get(image.format or "")
    if mime:
        upload.seek(0)
        manifest = c2pa_manifest.read(upload.read(), mime_type=mime)
    stripped = manifest is None or manifest.state == "Missing"
    recovered = provenance_recover_manifest(identification=result) if stripped else None
    lookup = None
    if not result.watermark_exact:
        lookup = keypoint_lookup_start(
            query=keypoints.extract_both(image), recover_manifest=stripped and recovered is None
        )
    search = keypoint_lookup_get(token=lookup.token) if lookup is not None else None
    return {
        "result": result,
        "manifest": manifest,
        "recovered": recovered,
        "keypoint_search": search,
    }


@require_http_methods(["GET"])
def verify_keypoints(request, lookup_id):
    """The keypoint search's result for one upload: an htmx fragment the verify page polls
    while the lookup worker searches, or a page of its own without JavaScript."""
    found = keypoint_lookup_get(token=lookup_id)
    recovered = None
    if found is not None and found.done and found.lookup.recover_manifest and found.matches:
        recovered = provenance_recover_manifest(keypoint_match=found.matches[0])
    fragment = request.headers.get("HX-Request") == "true"
    template = "provenance/_keypoint_results.html" if fragment else "provenance/keypoints.html"
    # An expired lookup's fragment still swaps in (htmx ignores a 404 body) and stops polling.
    status = 404 if found is None and not fragment else 200
    return render(request, template, {"found": found, "recovered": recovered}, status=status)
