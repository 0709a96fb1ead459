"""Every state-changing endpoint refuses a POST without a CSRF token (except the Stripe
webhook, which authenticates by signature instead)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.test_authorization_matrix import POST_ONLY

CSRF_EXEMPT = {"stripe_webhook"}


def post_urls(w):
    job, listing, order, style = w["job"], w["listing"], w["order"], w["style"]
    dispute, commission, takedown = w["dispute"], w["commission"], w["takedown"]
    line = order.lines.get()
    return {
        "account_logout": reverse("account_logout"),
        "job_cancel": reverse("job_cancel", args=[job.pk]),
        "job_retry": reverse("job_retry", args=[job.pk]),
        "piece_pick": reverse("piece_pick", args=[w["piece"].pk]),
        "checkout_start": reverse("checkout_start", args=[listing.pk]),
        "refund_request": reverse("refund_request", args=[line.pk]),
        "refund_request_decide": reverse("refund_request_decide", args=[1]),
        "listing_publish": reverse("listing_publish", args=[w["draft"].pk]),
        "listing_unpublish": reverse("listing_unpublish", args=[listing.pk]),
        "listing_favourite": reverse("listing_favourite", args=[listing.pk]),
        "creator_follow": reverse("creator_follow", args=[w["users"]["creator"].pk]),
        "creator_unfollow": reverse("creator_unfollow", args=[w["users"]["creator"].pk]),
        "style_follow": reverse("style_follow", args=[style.pk]),
        "style_unfollow": reverse("style_unfollow", args=[style.pk]),
        "listing_collection_add": reverse("listing_collection_add", args=[listing.pk]),
        "collection_delete": reverse("collection_delete", args=[w["collection"].pk]),
        "collection_reorder": reverse("collection_reorder", args=[w["collection"].pk]),
        "collection_item_move": reverse(
            "collection_item_move", args=[w["collection"].pk, w["collection_item"].pk]
        ),
        "collection_item_remove": reverse(
            "collection_item_remove", args=[w["collection"].pk, w["collection_item"].pk]
        ),
        "disputes:dispute_message": reverse("disputes:dispute_message", args=[dispute.pk]),
        "disputes:dispute_evidence": reverse("disputes:dispute_evidence", args=[dispute.pk]),
        "disputes:dispute_appeal": reverse("disputes:dispute_appeal", args=[dispute.pk]),
        "disputes:moderation_action": reverse("disputes:moderation_action", args=[dispute.pk]),
        "disputes:takedown_counter": reverse("disputes:takedown_counter", args=[takedown.pk]),
        "disputes:takedown_court_action": reverse(
            "disputes:takedown_court_action", args=[takedown.pk]
        ),
        "disputes:takedown_withdraw": reverse("disputes:takedown_withdraw", args=[takedown.pk]),
        "disputes:takedown_moderate": reverse("disputes:takedown_moderate", args=[takedown.pk]),
        "disputes:artist_claim_action": reverse(
            "disputes:artist_claim_action", args=[w["artist_claim"].pk]
        ),
        "disputes:moderation_notice_decide": reverse(
            "disputes:moderation_notice_decide", args=[w["notice"].pk]
        ),
        "disputes:moderation_complaint_decide": reverse(
            "disputes:moderation_complaint_decide", args=[w["complaint"].pk]
        ),
        "style_withdraw": reverse("style_withdraw", args=[style.pk]),
        "commissions:instant_start": reverse("commissions:instant_start", args=[style.pk]),
        "commissions:action": reverse("commissions:action", args=[commission.pk, "accept"]),
        "commissions:brief_create": reverse(
            "commissions:brief_create", args=[w["users"]["creator"].pk]
        ),
        "commissions:from_line": reverse("commissions:from_line", args=[line.pk]),
        "credit": reverse("credit"),
        "prompt_review_appeal": reverse("prompt_review_appeal", args=[w["prompt_review"].pk]),
        "moderation_prompt_decide": reverse(
            "moderation_prompt_decide", args=[w["prompt_review"].pk]
        ),
        "webhooks:endpoint_test": reverse("webhooks:endpoint_test", args=[w["endpoint"].pk]),
        "webhooks:endpoint_active": reverse("webhooks:endpoint_active", args=[w["endpoint"].pk]),
        "webhooks:endpoint_delete": reverse("webhooks:endpoint_delete", args=[w["endpoint"].pk]),
        # The API with the session cookie checks CSRF too (a bearer token needs none).
        "api-1:create_job": reverse("api-1:create_job"),
        "api-1:create_edit": reverse("api-1:create_edit"),
        "api-1:cancel_job": reverse("api-1:cancel_job", args=[job.pk]),
        "api-1:retry_job": reverse("api-1:retry_job", args=[job.pk]),
        "api_token_create": reverse("api_token_create"),
        "api_token_revoke": reverse("api_token_revoke", args=[w["token"].pk]),
    }


@pytest.mark.parametrize("role", ["owner", "creator", "moderator"])
def test_posts_without_a_csrf_token_are_refused(world, role):
    urls = post_urls(world)
    assert set(urls) == POST_ONLY - CSRF_EXEMPT
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"][role])
    refused = {name: client.post(url, {}).status_code for name, url in urls.items()}
    assert {name: status for name, status in refused.items() if status != 403} == {}
