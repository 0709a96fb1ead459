import pytest

from marketplace.models import User
from tests.factories import image_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Violet-Harbour-Lantern-8"


def test_signup_logout_login_and_become_creator(live_server, page, screenshot, tmp_path):
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("painter@example.com")
    page.get_by_label("Display name").fill("Painter")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("short")
    page.get_by_role("button", name="Sign up").click()
    assert page.get_by_text("This password is too short.").is_visible()
    screenshot("signup-error")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    assert page.get_by_role("heading", name="Painter").is_visible()
    screenshot("profile")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Email").fill("PAINTER@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")

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
