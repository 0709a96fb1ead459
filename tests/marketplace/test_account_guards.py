"""Verified email before buying, selling or cashing out; a second factor for moderators
and for changing payout details. Codes are computed here as an authenticator app would."""

import re
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.urls import reverse

from marketplace.models import Listing
from payments.models import Order, PayoutAccount
from tests.factories import TOTP_SECRET, UserFactory, totp_code
from tests.marketplace.factories import make_listing
from tests.payments.factories import make_order

pytestmark = pytest.mark.django_db

VERIFY_FIRST = "Please verify your email address before you buy, sell or cash out"


def _refused_until_verified(response, client):
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_email"))
    page = client.get(response.url).content.decode()
    assert VERIFY_FIRST in page and "Re-send Verification" in page


def test_unverified_buyer_cannot_start_checkout(client, fake_stripe):
    listing = make_listing(UserFactory(creator=True), publish=True)
    client.force_login(UserFactory(verified=False))

    response = client.post(reverse("checkout_start", args=[listing.pk]), {"tier": "standard"})

    _refused_until_verified(response, client)
    assert not Order.objects.exists() and fake_stripe == []


def test_unverified_creator_cannot_publish_onboard_or_see_payouts(client):
    creator = UserFactory(creator=True, verified=False)
    draft = make_listing(creator)
    client.force_login(creator)

    _refused_until_verified(client.post(reverse("listing_publish", args=[draft.pk])), client)
    _refused_until_verified(client.get(reverse("creator_onboarding")), client)
    _refused_until_verified(client.get(reverse("payouts")), client)
    assert Listing.objects.get(pk=draft.pk).status == "draft"


def test_resending_the_link_and_confirming_unlocks_buying(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(verified=False)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):  # mail is queued after commit
        client.post(reverse("account_email"), {"email": user.email, "action_send": ""})
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    client.post(link.group(1))

    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("creator_onboarding")).status_code == 200


def test_moderator_without_a_second_factor_is_sent_to_set_one_up(client, password):
    moderator = UserFactory(moderator=True, totp=False)
    client.post(reverse("account_login"), {"login": moderator.email, "password": password})

    response = client.get(reverse("disputes:moderation_queue"))
    assert response.status_code == 302 and response.url == reverse("mfa_index")
    assert client.get(reverse("refund_requests_review")).url == reverse("mfa_index")
    assert "Moderators need two-factor" in client.get(reverse("mfa_index")).content.decode()

    assert client.get(reverse("mfa_activate_totp")).url.startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": password})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r"\b([A-Z2-7]{32})\b", page).group(1)
    activated = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=moderator, type="totp").exists()
    # Having a factor is not enough: this session signed in with a password only.
    queue = reverse("disputes:moderation_queue")
    assert client.get(queue).url == reverse("mfa_reauthenticate") + "?" + urlencode({"next": queue})
    recovery = Authenticator.objects.get(user=moderator, type="recovery_codes")
    confirmed = client.post(
        reverse("mfa_reauthenticate") + "?" + urlencode({"next": queue}),
        {"code": recovery.wrap().get_unused_codes()[0]},
    )
    assert confirmed.url == queue
    assert client.get(queue).status_code == 200


def test_moderator_signs_in_with_password_then_code(client, password):
    moderator = UserFactory(moderator=True)

    response = client.post(
        reverse("account_login"), {"login": moderator.email, "password": password}
    )
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert int(client.session["_auth_user_id"]) == moderator.pk
    assert client.get(reverse("disputes:moderation_queue")).status_code == 200


def test_moderator_whose_session_skipped_the_factor_confirms_it_first(client):
    moderator = UserFactory(moderator=True)
    client.force_login(moderator, mfa=False)  # e.g. signed in before the factor was added
    queue = reverse("disputes:moderation_queue")

    for url in (queue, reverse("refund_requests_review"), reverse("admin:index")):
        refused = client.get(url)
        assert refused.status_code == 302
        assert refused.url == reverse("mfa_reauthenticate") + "?" + urlencode({"next": url})
    posted = client.post(reverse("refund_requests_review"))
    assert posted.url == reverse("mfa_reauthenticate")
    assert "confirm their second factor" in client.get(posted.url).content.decode()

    client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})
    assert client.get(queue).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_repeat_poll_skips_the_moderator_check_but_a_first_poll_does_not(
    client, django_assert_num_queries
):
    moderator = UserFactory(moderator=True)
    order = make_order(buyer=moderator, listing=make_listing(UserFactory(creator=True)))
    watch, poll = reverse("order_detail", args=[order.pk]), {"HX-Request": "true"}
    client.force_login(moderator, mfa=False)
    assert client.get(watch, headers=poll).url.startswith(reverse("mfa_reauthenticate"))

    client.force_login(moderator)
    first = client.get(watch, headers=poll)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        repeat = client.get(watch, headers={**poll, "If-None-Match": first["ETag"]})
    assert repeat.status_code == 304


def test_changing_payout_details_needs_a_second_factor_used_just_now(client, fake_stripe):
    creator = UserFactory(creator=True)
    client.force_login(creator)

    refused = client.post(reverse("payouts"), HTTP_REFERER="http://testserver/payouts/")
    assert refused.url.startswith(reverse("mfa_index"))
    assert fake_stripe == [] and not PayoutAccount.objects.exists()

    TOTP.activate(creator, TOTP_SECRET)
    again = client.post(reverse("payouts"))
    assert again.url.startswith(reverse("mfa_reauthenticate"))
    assert fake_stripe == []

    client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})
    allowed = client.post(reverse("payouts"))
    assert allowed.url.startswith("https://connect.stripe.test/")
    assert PayoutAccount.objects.get(creator=creator)


def test_a_refused_post_comes_back_only_to_our_own_pages(client):
    listing = make_listing(UserFactory(creator=True), publish=True)
    client.force_login(UserFactory(verified=False))
    url = reverse("checkout_start", args=[listing.pk])
    page = reverse("listing_detail", args=[listing.pk])

    ours = client.post(url, HTTP_REFERER=f"http://testserver{page}")
    theirs = client.post(url, HTTP_REFERER="https://evil.example/phish")

    assert ours.url == reverse("account_email") + "?" + urlencode(
        {"next": f"http://testserver{page}"}
    )
    assert theirs.url == reverse("account_email")
