"""Prompt transparency: what each engine says it will and will not draw, without loading it."""

from __future__ import annotations

import pytest

from generation.engines.base import Engine, PromptReading
from generation.engines.embedded import EmbeddedEngine
from generation.engines.registry import import_class


def test_a_fully_understood_prompt_has_no_unknown_words() -> None:
    reading = EmbeddedEngine.read_prompt("misty mountains at sunrise, watercolor")
    assert reading == PromptReading(
        subjects=("mountains",),
        styles=("watercolor",),
        palette=("misty", "sunrise"),
    )


@pytest.mark.parametrize(
    ("prompt", "palette", "unknown"),
    [
        ("a red fox in snow", ("red", "snow"), ("fox",)),
        ("a cat in a top hat", (), ("cat", "top hat")),
    ],
)
def test_content_words_it_cannot_draw_are_named(prompt, palette, unknown) -> None:
    reading = EmbeddedEngine.read_prompt(prompt)
    assert reading.unknown == unknown
    assert reading.palette == palette
    assert reading.subjects == ()
    assert not reading.open_vocabulary
    for word in unknown:
        assert f"“{word}”" in reading.note
    assert "Connect a diffusers checkpoint" in reading.note


def test_moods_styles_and_phrases_are_read_by_their_lexicon_names() -> None:
    reading = EmbeddedEngine.read_prompt("Serene golden hour over the sea, low poly, 4k")
    assert reading.subjects == ("ocean",)
    assert reading.moods == ("calm",)
    assert reading.styles == ("lowpoly",)
    assert reading.palette == ("golden hour",)
    assert reading.unknown == ()
    assert reading.as_dict()["styles"] == ["lowpoly"]


def test_no_scene_word_says_the_engine_picks_the_nearest_scene() -> None:
    reading = EmbeddedEngine.read_prompt("dreamy and soft")
    assert reading.moods == ("pastel",)
    assert reading.unknown == ()
    assert "picks the nearest of its scenes" in reading.note


def test_the_web_reads_a_prompt_through_the_class_without_building_the_engine() -> None:
    cls = import_class("generation.engines.embedded.EmbeddedEngine")
    assert cls.read_prompt("a cat") == EmbeddedEngine.read_prompt("a cat")


def test_the_default_reading_is_for_engines_that_read_any_text() -> None:
    assert Engine.read_prompt("a cat in a top hat") == PromptReading(open_vocabulary=True)


def test_diffusers_reads_any_text() -> None:
    pytest.importorskip("diffusers", reason="diffusers is not installed")
    cls = import_class("generation.engines.diffusers_engine.DiffusersEngine")
    reading = cls.read_prompt("a cat in a top hat")
    assert reading.open_vocabulary and reading.unknown == () and reading.note == ""
