"""The policy on the labelled corpus: every refused category is caught (recall ≥ 0.95)
however it is written, and ordinary art prompts in seven languages pass (≤ 2% refused)."""

import pytest

from generation.models import PromptCategory, Style
from tests.generation.policy_corpus import (
    BENIGN,
    load_corpus,
    protect_corpus_names,
    scores,
    verdicts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus_style(creator):
    style = Style.objects.create(creator=creator, title="Harbours", price_amount=700)
    protect_corpus_names(style=style)
    return style


def misses(examples, found, keep):
    return [
        (e.expected, found_as, e.how, e.text)
        for e, found_as in zip(examples, found, strict=True)
        if keep(e, found_as)
    ]


def test_the_corpus_is_large_and_covers_every_refused_category():
    examples = load_corpus()
    expected = {e.expected for e in examples}

    assert len(examples) >= 400
    assert expected == {BENIGN} | (set(PromptCategory.values) - {PromptCategory.OTHER})
    assert {"spaced", "cyrillic", "greek", "leet", "fullwidth"} <= {e.how for e in examples}


def test_every_category_has_recall_of_at_least_95_percent(corpus_style):
    examples = load_corpus()
    found = verdicts(examples, style=corpus_style)

    report = scores(examples, found)

    low = {c: r["recall"] for c, r in report.items() if c != BENIGN and r["recall"] < 0.95}
    missed = misses(examples, found, lambda e, f: e.expected != BENIGN and f != e.expected)
    assert low == {}, missed


def test_at_most_2_percent_of_benign_prompts_are_refused(corpus_style):
    examples = load_corpus()
    found = verdicts(examples, style=corpus_style)

    report = scores(examples, found)

    refused = misses(examples, found, lambda e, f: e.expected == BENIGN and f != BENIGN)
    assert report[BENIGN]["false_refusal_rate"] <= 0.02, refused
