import pytest
from django.core.management import call_command

from marketplace.models import Listing, User

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_browsable_catalogue_once(no_embedding_tasks, monkeypatch):
    monkeypatch.setattr("generation.tasks.run_generation.delay", lambda job_id: None)

    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.count() == 3
    creator = User.objects.get(email="creator@demo.promptfolio.local")
    published = Listing.objects.filter(creator=creator, status="published")
    assert published.count() == 6
    for listing in published:
        assert listing.cover.provenance.creator == creator
    assert User.objects.get(email="moderator@demo.promptfolio.local").is_moderator
