import pytest
from django.core.management import call_command

from marketplace.models import Listing, User

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
