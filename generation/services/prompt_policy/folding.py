"""Folding text into the spellings a rule is matched against.

Abusers write a banned word so that a plain word list misses it: spaced or dotted letters
("r a p e"), stretched letters ("raaape"), leetspeak ("r4p3"), full-width or mathematical
letters ("ｒａｐｅ", "𝐫𝐚𝐩𝐞"), accents, zero-width characters, look-alike letters from other
alphabets (Cyrillic "а", Greek "ο" inside a Latin word) and masked letters ("r*pe").
Folding undoes each of them.

Other scripts are kept, not folded away: a whole Cyrillic word stays Russian (so Russian
rules can match it), and CJK text stays CJK, with spacing or dots between its characters
removed (CJK has no spaces between words, so rules match CJK terms as substrings of a run).
Only a word that mixes Latin letters with look-alikes is rewritten in Latin; a word made
entirely of look-alikes ("ѕех") gets an extra Latin spelling next to its own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"}
    | {"!": "i", "|": "i", "+": "t"}
)
_LEET_CHARS = frozenset("0134578@$!|+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))

# Latin letters that have no decomposition (so accent stripping misses them) and small
# capitals: always folded, like accents.
_LATIN_EXTRAS = str.maketrans(
    {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ɑ": "a", "ɡ": "g"}
    | {"ʀ": "r", "ɪ": "i", "ʏ": "y", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e"}
    | {"ɢ": "g", "ʜ": "h", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o"}
    | {"ᴘ": "p", "ꞯ": "q", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ſ": "s"}
)
# Cyrillic and Greek letters (lower case, after casefolding) that pass for Latin ones,
# including those whose capital is the look-alike (Н, М, Т, В, К, Η).
CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s",
    "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    "ҽ": "e", "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i",
    "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "ω": "w", "ϲ": "c", "ϳ": "j",
}  # fmt: skip
_UNCONFUSE = str.maketrans(CONFUSABLES)
_ESZETT = str.maketrans({"ß": "s", "ẞ": "s"})

CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_IS_CJK = re.compile(f"[{CJK}]")
_CJK_GAP = re.compile(rf"(?<=[{CJK}])[\s.\-_*·•~\u30fb]+(?=[{CJK}])")
_CJK_EDGE = re.compile(rf"(?<=[{CJK}])(?=[^{CJK}\s])|(?<=[^{CJK}\s])(?=[{CJK}])")
_NON_WORD = re.compile(r"[\W_]+")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_LATIN = re.compile(r"[a-z]")


def has_cjk(text: str) -> bool:
    return _IS_CJK.search(text) is not None


def _fold_char(char: str) -> str:
    if char.isascii() or not unicodedata.name(char, "").startswith("LATIN"):
        return char
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case, compatibility forms (full-width, mathematical letters), accents on Latin
    letters; other scripts keep their letters. "ß" is one letter ("s"), so a spaced-out
    "g r u ß" stays a run of single letters."""
    text = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH)).translate(_ESZETT)
    text = text.casefold()
    return "".join(map(_fold_char, text)).translate(_LATIN_EXTRAS)


def _unconfuse_mixed(word: str) -> str:
    """A Latin word with a few look-alikes in it ("rаpe" with a Cyrillic а) becomes Latin;
    a word with no Latin letter (a Russian word) is left alone."""
    if word.isascii() or not _LATIN.search(word):
        return word
    return word.translate(_UNCONFUSE)


def _latinise(word: str) -> str:
    """A word made only of look-alikes ("ѕех") in Latin; any other word unchanged."""
    if word.isascii() or not all(c in CONFUSABLES or c.isascii() for c in word):
        return word
    return word.translate(_UNCONFUSE)


# One-letter words that often stand just before a spaced-out word ("a n u d e", "с п о д").
_STANDALONE = frozenset("aisyoeсвикоуя")


def _segment(run: str, vocabulary: frozenset[str]) -> list[str] | None:
    """A spaced-out run of several words ("sexyteen") as the fewest rule words and one-letter
    words it is made of, or None when it is not made of them only ("therapist")."""
    if len(run) > 60:
        return None
    best: list[list[str] | None] = [[]] + [None] * len(run)
    for end in range(1, len(run) + 1):
        for start in range(end):
            piece, before = run[start:end], best[start]
            fits = piece in vocabulary or (len(piece) == 1 and piece in _STANDALONE)
            if (
                fits
                and before is not None
                and (best[end] is None or len(before) + 1 < len(best[end]))
            ):
                best[end] = [*before, piece]
    return best[-1]


def _join_run(run: list[str], detach: bool, vocabulary: frozenset[str]) -> list[str]:
    if len(run) < 3:
        return run
    joined = "".join(run)
    if vocabulary and (pieces := _segment(joined, vocabulary)):
        return pieces
    if detach and len(run) >= 4 and run[0] in _STANDALONE:
        return [run[0], joined[1:]]
    return [joined]


def words(
    text: str, *, detach: bool = False, vocabulary: frozenset[str] = frozenset()
) -> list[str]:
    """Words of folded text; a run of 3+ single letters ("r a p e") becomes one word (with
    `detach`, a leading one-letter word stays apart: "a n u d e" → "a nude"; with a
    `vocabulary`, a run of several words is split: "s e x y t e e n" → "sexy teen"), and CJK
    characters split by spaces or dots ("强 奸") join again."""
    text = _CJK_EDGE.sub(" ", _CJK_GAP.sub("", text))
    found: list[str] = []
    run: list[str] = []
    for word in _NON_WORD.sub(" ", text).split():
        if len(word) == 1:
            run.append(word)
            continue
        found.extend(_join_run(run, detach, vocabulary))
        run = []
        found.append(word)
    found.extend(_join_run(run, detach, vocabulary))
    return [_unconfuse_mixed(w) for w in found]


def _deleet(token: str) -> str:
    """Leetspeak only inside words that mix letters with digits/symbols ("s3x", "r@pe"), so
    numbers such as "1488" or "35mm" keep their meaning."""
    if any(c.isalpha() for c in token) and any(c in _LEET_CHARS for c in token):
        return token.translate(_LEET)
    return token


_MASKED = re.compile(r"(?<![\w*#])[^\W\d_][^\W\d_*#]*[*#][^\W\d_*#]*(?:[*#][^\W\d_*#]*)*")


@lru_cache(maxsize=64)
def _mask_pattern(masked: str) -> re.Pattern:
    return re.compile("".join("." if c in "*#" else re.escape(c) for c in masked))


def _unmask(text: str, vocabulary: frozenset[str]) -> str:
    """A word with letters masked by * or # ("r*pe", "n#de") becomes the one rule word it
    can stand for; left as it is when it has fewer than two letters shown, more masks than
    letters, or could be several rule words."""

    def unmasked(match: re.Match) -> str:
        masked = match.group()
        masks = sum(c in "*#" for c in masked)
        if len(masked) - masks < 2 or masks > len(masked) - masks:
            return masked
        pattern = _mask_pattern(masked)
        found = {w for w in vocabulary if len(w) == len(masked) and pattern.fullmatch(w)}
        return found.pop() if len(found) == 1 else masked

    if not vocabulary or ("*" not in text and "#" not in text):
        return text
    return _MASKED.sub(unmasked, text)


def normalise(text: str, *, vocabulary: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The spellings a rule is matched against: plain words, de-leeted words, de-leeted
    words with stretched letters shrunk ("raaape" → "rape"; "kkk" stays in the plain one),
    that one with all-look-alike words in Latin, and that one with a one-letter word kept
    apart from the spaced-out word after it (and runs split at `vocabulary` words)."""
    folded = _unmask(fold(text or ""), vocabulary)
    deleeted = " ".join(_deleet(t) for t in folded.split())
    plain = " ".join(words(folded))
    leet = " ".join(words(deleeted))
    shrunk = " ".join(_STRETCHED.sub(r"\1", word) for word in leet.split())
    latin = " ".join(_latinise(word) for word in shrunk.split())
    split = words(deleeted, detach=True, vocabulary=vocabulary)
    detached = " ".join(_STRETCHED.sub(r"\1", w) for w in split)
    return tuple(dict.fromkeys((plain, leet, shrunk, latin, detached)))


def term_words(term: str) -> str:
    """A rule term folded the way prompts are (its plain spelling)."""
    return " ".join(words(fold(term)))
