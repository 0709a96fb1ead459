"""Every URL, requested as each kind of user: nobody reaches what is not theirs.

`MATRIX` lists each private GET page with the roles that may see it; every other role must
be refused (login redirect, 403 or 404) — no IDOR on jobs, originals, orders, certificates,
disputes, evidence or commissions. `test_every_url_is_classified` fails when a URL is added
without being placed here, so new pages cannot skip the check.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("anonymous", "owner", "other_buyer", "creator", "other_creator", "moderator")

# Pages anyone may open (public by design).
PUBLIC = {
    "home",
    "listing_browse",
    "listing_detail",
    "listing_similar",
    "storefront",
    "healthz",
    # A public collection is shared by its URL; a private one is in the matrix below.
    "collection_detail",
    "livez",
    "provenance:verify",
    "provenance:verify_piece",
    "provenance:verify_manifest",  # the signed manifest store; 404 once the piece is hidden
    "licensing:certificate_verify",
    "account_signup",
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_inactive",
    "privacy",
    "style_browse",
    "style_detail",
    # Notice and action: anyone may report and read the transparency report; the
    # confirmation and complaint links are signed, so the signature is the credential.
    "disputes:notice_new",
    "disputes:notice_confirm",
    "disputes:complaint_new",
    "disputes:transparency",
    "disputes:transparency_csv",
    # The API's document and docs page; its root lists nothing.
    "api-1:api-root",
    "api-1:openapi-json",
    "api-1:openapi-view",
    # A signed, short-lived original link: the signature is the credential (its own tests).
    "api_original",
    # A keypoint search's result: its random token is the credential, and it shows only
    # public pieces (tests/provenance/test_lookups.py).
    "provenance:verify_keypoints",
    # Prometheus metrics: a bearer token is the credential, off without one (test_metrics).
    "metrics",
    # A notification mail's one-click unsubscribe: the signed token is the credential and it
    # only turns that mail off (tests/core/test_notification_preferences.py).
    "core:notification_unsubscribe",
}
# Signed-in pages that show only the visitor's own data (no object id in the URL).
OWN_DATA = {
    "commission",
    "commission_from_picture",
    "job_list",
    "order_list",
    "licensing:library",
    "favourites",
    "following",
    "collections_mine",
    "collection_create",
    "profile",
    "creator_onboarding",
    "account_change_password",
    "account_email",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "commissions:dashboard",
    "payouts",
    "refund_requests_review",
    "listing_create",
    "privacy_settings",
    "privacy_export",
    "disputes:dispute_list",
    "disputes:dispute_new",
    "disputes:takedown_new",
    "disputes:artist_claim_new",
    "core:notifications",
    "core:notification_preferences",
    "my_styles",
    "style_new",
    "commissions:list",
    "disputes:moderation_queue",
    "disputes:statement_list",
    "my_prompt_reviews",
    "webhooks:endpoint_list",
    "api-1:list_jobs",
    "api-1:list_pieces",
    "api-1:list_licences",
    "api-1:list_listings",
}
# allauth's steps inside a flow it owns and scopes to the person in it (its own tests cover
# them): second-factor and code steps of a login in progress, per-authenticator pages, and
# pages that only answer POST or redirect.
ALLAUTH_STEPS = {
    "account_set_password",
    "account_confirm_login_code",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "mfa_authenticate",
    "mfa_login_webauthn",
    "mfa_reauthenticate_webauthn",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_edit_webauthn",
    "mfa_remove_webauthn",
}
# State-changing endpoints (POST only; their own tests cover permissions and CSRF).
POST_ONLY = {
    "account_logout",
    "job_cancel",
    "job_retry",
    "piece_pick",
    "checkout_start",
    "refund_request",
    "refund_request_decide",
    "stripe_webhook",
    "listing_publish",
    "listing_unpublish",
    "listing_favourite",
    "creator_follow",
    "creator_unfollow",
    "style_follow",
    "style_unfollow",
    "listing_collection_add",
    "collection_delete",
    "collection_reorder",
    "collection_item_move",
    "collection_item_remove",
    "disputes:dispute_message",
    "disputes:dispute_evidence",
    "disputes:dispute_appeal",
    "disputes:moderation_action",
    "disputes:takedown_counter",
    "disputes:takedown_court_action",
    "disputes:takedown_withdraw",
    "disputes:takedown_moderate",
    "disputes:artist_claim_action",
    "disputes:moderation_notice_decide",
    "disputes:moderation_complaint_decide",
    "style_withdraw",
    "commissions:instant_start",
    "commissions:action",
    "commissions:brief_create",
    "commissions:from_line",
    "credit",
    "prompt_review_appeal",
    "moderation_prompt_decide",
    "webhooks:endpoint_test",
    "webhooks:endpoint_active",
    "webhooks:endpoint_delete",
    "api-1:create_job",
    "api-1:create_edit",
    "api-1:cancel_job",
    "api-1:retry_job",
    "api_token_create",
    "api_token_revoke",
}
ALLOWED = {200, 302}


def _names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def matrix(w):
    """url name → (url, roles allowed)."""
    job, piece, order = w["job"], w["piece"], w["order"]
    return {
        "job_detail": (reverse("job_detail", args=[job.pk]), {"owner"}),
        "job_status": (reverse("job_status", args=[job.pk]), {"owner"}),
        "api_job_status": (reverse("api_job_status", args=[job.pk]), {"owner"}),
        "piece_original": (reverse("piece_original", args=[piece.pk]), {"owner"}),
        "piece_edit": (reverse("piece_edit", args=[piece.pk]), {"owner"}),
        "order_detail": (reverse("order_detail", args=[order.pk]), {"owner"}),
        "local_pay": (reverse("local_pay", args=[order.pk]), set()),  # Stripe mode: off
        "licensing:certificate_pdf": (
            reverse("licensing:certificate_pdf", args=[w["grant"].pk]),
            {"owner"},
        ),
        "listing_edit": (reverse("listing_edit", args=[w["draft"].pk]), {"creator"}),
        "licensing:listing_licences": (
            reverse("licensing:listing_licences", args=[w["listing"].pk]),
            {"creator"},
        ),
        "draft_listing_detail": (
            reverse("listing_detail", args=[w["draft"].pk]),
            {"creator", "moderator"},
        ),
        "private_collection_detail": (
            reverse("collection_detail", args=[w["collection"].pk]),
            {"owner"},
        ),
        "collection_edit": (  # only its owner edits it, public or not
            reverse("collection_edit", args=[w["public_collection"].pk]),
            {"owner"},
        ),
        "style_manage": (reverse("style_manage", args=[w["style"].pk]), {"creator"}),
        "commissions:detail": (
            reverse("commissions:detail", args=[w["commission"].pk]),
            {"owner", "creator"},
        ),
        "commissions:reference": (
            reverse(
                "commissions:reference",
                args=[w["reference"].commission_id, w["reference"].pk],
            ),
            {"owner", "creator"},
        ),
        "disputed_commission_reference": (  # moderators too, while the dispute is handled
            reverse(
                "commissions:reference",
                args=[w["disputed_reference"].commission_id, w["disputed_reference"].pk],
            ),
            {"owner", "creator", "moderator"},
        ),
        "disputes:dispute_detail": (
            reverse("disputes:dispute_detail", args=[w["dispute"].pk]),
            {"owner", "creator", "moderator"},
        ),
        "disputes:evidence_download": (
            reverse("disputes:evidence_download", args=[w["dispute"].pk, w["evidence"].pk]),
            {"owner", "creator", "moderator"},
        ),
        "prompt_review_detail": (
            reverse("prompt_review_detail", args=[w["prompt_review"].pk]),
            {"owner"},
        ),
        "moderation_prompt_queue": (reverse("moderation_prompt_queue"), {"moderator"}),
        "moderation_prompt_review": (
            reverse("moderation_prompt_review", args=[w["prompt_review"].pk]),
            {"moderator"},
        ),
        "disputes:moderation_case": (
            reverse("disputes:moderation_case", args=[w["dispute"].pk]),
            {"moderator"},
        ),
        "disputes:takedown_detail": (
            reverse("disputes:takedown_detail", args=[w["takedown"].pk]),
            {"owner", "creator", "moderator"},
        ),
        "disputes:takedown_queue": (reverse("disputes:takedown_queue"), {"moderator"}),
        "disputes:artist_claim_detail": (
            reverse("disputes:artist_claim_detail", args=[w["artist_claim"].pk]),
            {"owner", "creator", "moderator"},
        ),
        "disputes:statement_detail": (
            reverse("disputes:statement_detail", args=[w["statement"].pk]),
            {"creator"},
        ),
        "disputes:moderation_notices": (reverse("disputes:moderation_notices"), {"moderator"}),
        "disputes:moderation_notice": (
            reverse("disputes:moderation_notice", args=[w["notice"].pk]),
            {"moderator"},
        ),
        "disputes:moderation_complaint": (
            reverse("disputes:moderation_complaint", args=[w["complaint"].pk]),
            {"moderator"},
        ),
        "webhooks:endpoint_detail": (
            reverse("webhooks:endpoint_detail", args=[w["endpoint"].pk]),
            {"owner"},
        ),
        "webhooks:endpoint_deliveries": (
            reverse("webhooks:endpoint_deliveries", args=[w["endpoint"].pk]),
            {"owner"},
        ),
        "api-1:get_job": (reverse("api-1:get_job", args=[w["job"].pk]), {"owner"}),
        "api-1:licence_certificate": (
            reverse("api-1:licence_certificate", args=[w["grant"].pk]),
            {"owner"},
        ),
    }


def test_private_pages_refuse_everyone_but_their_owner(client, world):
    failures = []
    for name, (url, allowed_roles) in matrix(world).items():
        for role in ROLES:
            user = world["users"][role]
            client.logout()
            if user is not None:
                client.force_login(user)
            status = client.get(url).status_code
            allowed = status in ALLOWED and not (
                status == 302 and client.get(url)["Location"].startswith(reverse("account_login"))
            )
            if allowed != (role in allowed_roles):
                failures.append(f"{name} as {role}: {status}")
    assert failures == []


def test_every_url_is_classified(world):
    classified = PUBLIC | OWN_DATA | ALLAUTH_STEPS | POST_ONLY | set(matrix(world))
    unclassified = sorted(set(_names()) - classified)
    assert unclassified == []
