import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from marketplace.models import User
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import UserFactory, image_upload, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Violet-Harbour-Lantern-8"


def _log_in(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_signup_verify_email_login_and_become_creator(live_server, page, screenshot, tmp_path):
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("painter@example.com")
    page.get_by_label("Display name").fill("Painter")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert").filter(has_text="This password is too short.")).to_be_visible()
    screenshot("signup-error")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(live_server.url + reverse("account_email_verification_sent"))
    screenshot("verification-sent")

    # The locmem backend keeps the mail the console backend would print under bin/run.
    (message,) = mail.outbox
    assert message.to == ["painter@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/accounts/login/"))

    _log_in(page, "PAINTER@example.com", PASSWORD)
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    assert page.get_by_role("heading", name="Painter").is_visible()
    screenshot("profile")

    page.get_by_role("link", name="Become a creator").first.click()
    avatar = tmp_path / "avatar.png"
    avatar.write_bytes(image_upload().read())
    page.get_by_label("Bio").fill("Neon cities at dusk.")
    page.get_by_label("Avatar").set_input_files(str(avatar))
    page.get_by_role("button", name="Start selling").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    assert page.get_by_text("Your creator profile is live.").is_visible()
    assert page.get_by_alt_text("Your avatar").is_visible()
    screenshot("creator-profile")

    user = User.objects.get(email="painter@example.com")
    assert user.is_creator and user.bio == "Neon cities at dusk."


def test_moderator_sets_up_totp_then_signs_in_with_a_code(live_server, page, screenshot):
    moderator = UserFactory(moderator=True, totp=False)
    page.goto(live_server.url + reverse("account_login"))
    _log_in(page, moderator.email, FACTORY_PASSWORD)

    page.goto(live_server.url + reverse("disputes:moderation_queue"))
    page.wait_for_url(live_server.url + reverse("mfa_index"))
    expect(page.get_by_text("Moderators need two-factor authentication")).to_be_visible()
    page.get_by_role("link", name="Activate").first.click()
    page.get_by_label("Password", exact=True).fill(FACTORY_PASSWORD)  # confirm access first
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    screenshot("totp-activate")
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(live_server.url + reverse("mfa_view_recovery_codes"))
    recovery = page.get_by_label("Unused codes").input_value().split()
    assert len(recovery) == 10

    # Adding the factor does not make this password-only session a two-factor one: the
    # moderator confirms it once. This window's TOTP code was spent on activation (codes
    # are single use), so a recovery code it is.
    page.goto(live_server.url + reverse("disputes:moderation_queue"))
    page.wait_for_url(re.compile(r".*/accounts/2fa/reauthenticate/\?next="))
    expect(page.get_by_text("Moderators confirm their second factor")).to_be_visible()
    page.get_by_label("Code").fill(recovery[0])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(live_server.url + reverse("disputes:moderation_queue"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moderation")
    page.get_by_role("button", name="Log out").click()

    page.goto(live_server.url + reverse("account_login"))
    _log_in(page, moderator.email, FACTORY_PASSWORD)
    page.wait_for_url(live_server.url + reverse("mfa_authenticate"))
    screenshot("mfa-authenticate")
    # Still this window's spent TOTP code: a recovery code is what someone without their
    # phone would type.
    page.get_by_label("Code").fill(recovery[1])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/accounts/profile/$"))
    page.goto(live_server.url + reverse("disputes:moderation_queue"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moderation")
