"""Passkeys work offline under our CSP: Chromium's virtual authenticator (DevTools WebAuthn
domain) stands in for a phone or security key; allauth's static scripts and fido2 do the rest."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_commission_journey import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_passkey_then_log_in_with_it_alone(live_server, page, screenshot):
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    blocked = []
    page.on(
        "console", lambda msg: blocked.append(msg.text) if "Content Security" in msg.text else None
    )
    user = UserFactory()
    log_in(page, live_server, user)

    page.goto(live_server.url + reverse("mfa_add_webauthn"))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r".*/accounts/2fa/"))
    screenshot("passkey-added")
    assert Authenticator.objects.filter(user=user, type="webauthn").count() == 1

    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url(re.compile(r".*/accounts/profile/$"))
    expect(page.get_by_role("link", name="Your profile")).to_be_visible()
    assert blocked == []
