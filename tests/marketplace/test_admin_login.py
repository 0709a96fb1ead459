import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_login_goes_through_allauth_so_moderators_cannot_skip_mfa(client, password):
    moderator = UserFactory(moderator=True)

    page = client.get(reverse("admin:login"))
    posted = client.post(
        reverse("admin:login"), {"username": moderator.email, "password": password}
    )

    assert page.status_code == 302 and page.url.startswith(reverse("account_login"))
    assert posted.status_code == 302 and "_auth_user_id" not in client.session
