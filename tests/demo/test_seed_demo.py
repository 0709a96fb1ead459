import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.management.commands.seed_demo import DEMO_MODERATOR_TOTP_SECRET, DEMO_PASSWORD
from marketplace.models import Listing, User
from tests.factories import totp_code

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_browsable_catalogue_once(no_embedding_tasks, generation_wakeups):
    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.count() == 3
    creator = User.objects.get(email="creator@demo.promptfolio.local")
    published = Listing.objects.filter(creator=creator, status="published")
    assert published.count() == 6
    for listing in published:
        assert listing.cover.provenance.creator == creator
    bauhaus = published.get(title="Bauhaus poster")
    offers = dict(bauhaus.licence_offers.values_list("tier__code", "price_amount"))
    assert offers == {"personal": 1000, "standard": 2000, "extended": 8000, "exclusive": 80000}
    assert bauhaus.price_amount == 1000  # browse shows the cheapest licence
    assert published.filter(licence_offers__tier__code="exclusive").count() == 2
    assert User.objects.get(email="moderator@demo.promptfolio.local").is_moderator


def test_demo_logins_work_and_the_moderator_signs_in_with_the_documented_totp(
    client, no_embedding_tasks, generation_wakeups
):
    call_command("seed_demo")

    buyer = {"login": "buyer@demo.promptfolio.local", "password": DEMO_PASSWORD}
    response = client.post(reverse("account_login"), buyer)
    assert response.url == reverse("profile")  # verified, and no second factor asked
    client.post(reverse("account_logout"))

    moderator = {"login": "moderator@demo.promptfolio.local", "password": DEMO_PASSWORD}
    response = client.post(reverse("account_login"), moderator)
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(
        reverse("mfa_authenticate"), {"code": totp_code(DEMO_MODERATOR_TOTP_SECRET)}
    )
    assert response.status_code == 302
    assert client.get(reverse("disputes:moderation_queue")).status_code == 200
