"""Prompt transparency for the embedded engine: which words its lexicon draws, which it cannot.

A pure function of the text and the word lists (no text-embedding model, no torch), cheap
enough for the web to call on every page view through the engine class.
"""

from __future__ import annotations

from functools import cache

from ..base import PromptReading
from .lexicon import COLORS, HAZE_WORDS, MOODS, SEASONS, STYLES, SUBJECTS, TIMES
from .prompt import words_of

# Words the renderers draw without a lexicon category (context flags, sky elements).
DRAWN = ("river", "reflection", "mirror", "spiral", "stars", "star", "sun", "sky", "skies")
# Words that carry no subject: grammar, framing and quality tags.
_FILLER_WORDS = (
    "a an the and or of in on at by to for with from into onto over under above below behind "
    "beside near through across between among during wearing holding its his her their "
    "this that these those is are very some many few lots full big small little tiny huge "
    "giant large beautiful pretty lovely detailed highly high quality 4k 8k hd uhd masterpiece "
    "art artwork painting painted paint style styled scene image picture illustration poster "
    "print wallpaper background view render rendered digital design"
)
FILLER = frozenset(_FILLER_WORDS.split())
NOTE_UNKNOWN = (
    "The built-in engine paints scenes and patterns from a fixed vocabulary; it cannot draw "
    "{words} and paints the nearest scene instead. Connect a diffusers checkpoint to draw "
    "arbitrary subjects."
)
NOTE_NO_SUBJECT = (
    "No scene word recognised: the built-in engine picks the nearest of its scenes "
    "(mountains, ocean, forest, desert, city, space, flowers, geometric, abstract)."
)


@cache
def _terms() -> dict[tuple[str, ...], tuple[str, str]]:
    """Every lexicon term as a word tuple -> (field, name it is reported under)."""
    terms: dict[tuple[str, ...], tuple[str, str]] = {}
    tables = (("subjects", SUBJECTS), ("moods", MOODS), ("styles", STYLES))
    for field, table in tables:
        for name, words in table.items():
            for term in words:
                terms.setdefault(tuple(term.split()), (field, name))
    palette_words = [*COLORS, *HAZE_WORDS, *(t for ts in TIMES.values() for t in ts)]
    palette_words += [t for ts in SEASONS.values() for t in ts]
    for term in palette_words:
        terms.setdefault(tuple(term.split()), ("palette", term))
    for term in DRAWN:
        terms.setdefault((term,), ("", term))
    return terms


def _match(words: list[str], i: int) -> tuple[int, tuple[str, str] | None]:
    """Length and meaning of the longest lexicon term starting at word `i` (0 if none)."""
    terms = _terms()
    for n in (3, 2, 1):
        found = terms.get(tuple(words[i : i + n])) if i + n <= len(words) else None
        if found is not None:
            return n, found
    return 0, None


def read_prompt(prompt: str) -> PromptReading:
    """Recognised subjects, moods, styles and palette words, and the content words left over."""
    words, _ = words_of(prompt)
    found: dict[str, list[str]] = {"subjects": [], "moods": [], "styles": [], "palette": []}
    unknown: list[str] = []
    run: list[str] = []
    i = 0
    while i < len(words):
        n, meaning = _match(words, i)
        if n == 0 and words[i] not in FILLER and not words[i].isdigit():
            run.append(words[i])
            i += 1
            continue
        if run:
            unknown.append(" ".join(run))
            run = []
        if meaning is not None and meaning[0] and meaning[1] not in found[meaning[0]]:
            found[meaning[0]].append(meaning[1])
        i += max(n, 1)
    if run:
        unknown.append(" ".join(run))
    unknown = list(dict.fromkeys(unknown))
    if unknown:
        note = NOTE_UNKNOWN.format(words=", ".join(f"“{w}”" for w in unknown))
    else:
        note = "" if found["subjects"] else NOTE_NO_SUBJECT
    return PromptReading(
        **{k: tuple(v) for k, v in found.items()}, unknown=tuple(unknown), note=note
    )
