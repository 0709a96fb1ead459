import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from marketplace.models import AccountEvent, User
from tests.factories import UserFactory, image_upload

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "new@example.com",
        "display_name": "Newbie",
        "password1": "Correct-Horse-Battery-9",
        "password2": "Correct-Horse-Battery-9",
    }
    data.update(overrides)
    return data


def test_signup_sends_verification_then_confirming_lets_the_person_log_in(
    client, password, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # mail is queued after commit
        response = client.post(reverse("account_signup"), signup_data())

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert (user.email, user.display_name) == ("new@example.com", "Newbie")
    assert "_auth_user_id" not in client.session
    assert AccountEvent.objects.filter(user=user, kind="signed_up").count() == 1
    address = EmailAddress.objects.get(user=user)
    assert address.primary and not address.verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]

    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    assert client.get(link.group(1)).status_code == 200  # a page with a button, not a GET
    assert client.post(link.group(1)).status_code == 302
    address.refresh_from_db()
    assert address.verified

    login = {"login": "new@example.com", "password": "Correct-Horse-Battery-9"}
    assert client.post(reverse("account_login"), login).status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_before_verifying_sends_the_link_again_and_does_not_sign_in(
    client, password, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ada@example.com", verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": "ada@example.com", "password": password}
        )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert mail.outbox[0].to == [user.email]


def test_signup_duplicate_email_creates_nothing_and_tells_the_owner(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="new@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), signup_data(email="NEW@example.com"))

    # No enumeration: the page looks like any signup; the owner gets a mail saying so.
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "already" in mail.outbox[0].body


def test_signup_that_loses_a_duplicate_email_race_gets_a_form_error_not_a_500(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    """Both signups passed the form's and the service's checks; the unique constraint
    refuses the second at INSERT (the IntegrityError path)."""
    winner = UserFactory(email="new@example.com")
    monkeypatch.setattr(
        "allauth.account.internal.flows.manage_email.assess_unique_email",
        lambda email, user=None: True,
    )
    monkeypatch.setattr("marketplace.services.accounts.email_taken", lambda *, email: False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), signup_data())

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["A user is already registered with this email address."]
    }
    assert "A user is already registered with this email address." in response.content.decode()
    assert list(User.objects.all()) == [winner]
    assert EmailAddress.objects.filter(email="new@example.com").count() == 1
    assert AccountEvent.objects.filter(kind=AccountEvent.Kind.SIGNED_UP).count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "too short"),
        ("password1234", "too common"),
        ("48291047362", "entirely numeric"),
    ],
)
def test_signup_weak_password_shows_reason(client, password, message):
    response = client.post(
        reverse("account_signup"), signup_data(password1=password, password2=password)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'role="alert"' in page
    assert not User.objects.exists()


def test_signup_mismatched_passwords(client):
    response = client.post(reverse("account_signup"), signup_data(password2="Something-else-77"))

    assert "You must type the same password each time." in response.content.decode()
    assert not User.objects.exists()


def test_login_with_email_case_insensitive_and_logout(client, password):
    user = UserFactory(email="ada@example.com")

    response = client.post(
        reverse("account_login"), {"login": "ADA@example.com", "password": password}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk

    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_wrong_password_is_a_form_error(client):
    UserFactory(email="ada@example.com")

    response = client.post(
        reverse("account_login"), {"login": "ada@example.com", "password": "nope"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The email address and/or password you specified are not correct." in page
    assert 'role="alert"' in page


def test_profile_requires_login(client):
    response = client.get(reverse("profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_profile_edit(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("profile"), {"display_name": "Renamed", "bio": "Hi"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Renamed"


def test_creator_onboarding_with_avatar(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("creator_onboarding"),
        {"display_name": "Studio Nine", "bio": "Neon cities", "avatar": image_upload(fmt="JPEG")},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_creator and user.avatar.name.endswith(".png")
    page = client.get(reverse("profile")).content.decode()
    assert user.avatar.url in page and "creator" in page


def _bad_upload_cases():
    huge = io.BytesIO()
    Image.new("L", (5000, 5000)).save(huge, format="PNG")
    return [
        (SimpleUploadedFile("a.png", b"not an image at all"), "not an image we can read"),
        (SimpleUploadedFile("a.png", b"x" * (2 * 1024 * 1024 + 1)), "the limit is 2 MB"),
        (SimpleUploadedFile("big.png", huge.getvalue()), "too large"),
        (image_upload(name="a.bmp", fmt="BMP"), "Upload a PNG, JPEG, WebP or GIF image."),
    ]


@pytest.mark.parametrize(("upload", "message"), _bad_upload_cases())
def test_creator_onboarding_rejects_bad_avatars(client, upload, message):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("creator_onboarding"), {"display_name": "Studio", "avatar": upload}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert not user.is_creator and not user.avatar


def test_password_reset_email_link_sets_new_password(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    new_password = "Brand-New-Passphrase-31"
    done = client.post(
        form_page.redirect_chain[-1][0], {"password1": new_password, "password2": new_password}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_unknown_email_sends_nothing_useful(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ghost@example.com"})

    assert response.status_code == 302
    assert all("reset/key" not in message.body for message in mail.outbox)


def test_nav_shows_role_links(client):
    moderator = UserFactory(moderator=True)
    client.force_login(moderator)

    page = client.get(reverse("home")).content.decode()

    assert reverse("admin:index") in page and "Become a creator" in page
