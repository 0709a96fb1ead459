import dataclasses

import factory

from generation.models import GenerationJob
from generation.services.styles import StyleRecipe
from tests.factories import UserFactory
from tests.provenance.factories import FinishedJobFactory, art, stamped_piece


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


def split_recipe(values: dict) -> dict:
    """Flat test values for a style: the recipe's fields become one StyleRecipe."""
    recipe_fields = {field.name for field in dataclasses.fields(StyleRecipe)}
    rest = {key: value for key, value in values.items() if key not in recipe_fields}
    recipe = StyleRecipe(**{key: values[key] for key in recipe_fields if key in values})
    return {"recipe": recipe, **rest}


def scripted_piece(owner, *, size: tuple[int, int] = (256, 256), seed: int = 1):
    """A finished piece of the scripted engine, its original in storage: a parent to edit."""
    job = FinishedJobFactory(owner=owner, engine="scripted", width=size[0], height=size[1])
    piece, _, _ = stamped_piece(job=job, image=art(seed, size))
    return piece
