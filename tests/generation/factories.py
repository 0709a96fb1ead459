import factory

from generation.models import GenerationJob
from tests.factories import UserFactory


class GenerationJobFactory(factory.django.DjangoModelFactory):
    """A queued job row, written directly (no wake-up message) for worker-level tests."""

    class Meta:
        model = GenerationJob

    owner = factory.SubFactory(UserFactory)
    engine = "scripted"
    prompt = factory.Sequence(lambda n: f"a lighthouse number {n} at dusk")
    seed = factory.Sequence(lambda n: 1000 + n)
    width = 256
    height = 256
    steps = 4
    progress_total = 4
    count = 1
