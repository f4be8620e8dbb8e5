"""Text as a word matcher reads it: what a reader sees, without the disguises.

A listed word must be caught however it is spelled on screen. Each character is folded
on its own, so every folded character keeps the offset of the character it came from
and a finding still underlines the right span of the original text:

- characters with Unicode's Default_Ignorable_Code_Point property (soft hyphen, zero
  width space/joiners, bidi controls, variation selectors, Hangul fillers, U+180E, tag
  characters …) are removed. The property comes from the `regex` module's Unicode
  tables, not from a hand list, so new invisible characters are covered when it updates;
- compatibility forms are folded (NFKD: full-width ＡＢＣ, ligatures, circled letters,
  compatibility ideographs) and case is folded (casefold: Ä → ä, ß → ss);
- combining marks (accents, U+20DD enclosing circles, U+0301 on a Han character) are
  removed: a word with an accent on it reads as the word;
- whatever is not a letter or a digit (whitespace, punctuation, symbols, emoji,
  controls, private use) is a separator and is skipped;
- then traditional characters are folded to simplified (opencc t2s, one for one).

Digits are kept apart: they are skipped between the characters of a word written
without digits (敏1感) and matched when the word itself has digits (a listed 8964).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

import regex

from hub.domain.chinese import fold_aligned

_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
# Scripts written without spaces between words: a word in them may sit inside a longer
# run of letters. Words in other scripts (Latin, Cyrillic, Greek …) match whole words only.
_UNSPACED = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]"
)


_DIGIT = regex.compile(r"\p{Nd}")
_NON_DIGITS = regex.compile(r"\P{Nd}+")


@lru_cache(maxsize=65_536)
def fold_char(ch: str) -> str:
    """The letters and digits one character reads as (often itself, '' for a separator)."""
    if _IGNORABLE.match(ch):
        return ""
    out = []
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold()):
        if unicodedata.category(c)[0] in "LN" and not _IGNORABLE.match(c):
            out.append(c)
    return "".join(out)


def is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def is_letter(ch: str) -> bool:
    """`ch` (an original character) reads as at least one letter."""
    return any(not is_digit(c) for c in fold_char(ch))


@dataclass(frozen=True)
class Folded:
    """A text's letters (and, when kept, digits) as matched, each with its origin."""

    text: str
    origin: tuple[int, ...]  # origin[i]: offset in the original of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def fold_text(text: str) -> tuple[Folded, Folded]:
    """The text as matched by words without digits, and by words with digits."""
    pieces = list(map(fold_char, text))
    joined = "".join(pieces)
    origin = list(compress(range(len(text)), pieces))  # C speed: most pieces are one character
    if len(origin) != len(joined):
        origin = [i for i, piece in enumerate(pieces) for _ in piece]
    folded = fold_aligned(joined)
    with_digits = Folded(folded, tuple(origin))
    if not _DIGIT.search(folded):  # the common case: one stream serves both
        return with_digits, with_digits
    kept: list[int] = []
    for m in _NON_DIGITS.finditer(folded):
        kept.extend(origin[m.start() : m.end()])
    return Folded(_DIGIT.sub("", folded), tuple(kept)), with_digits


def fold_word(word: str) -> str:
    """A listed word's key: folded like text, digits kept."""
    return fold_text(word)[1].text


def has_digits(key: str) -> bool:
    return any(is_digit(c) for c in key)


def whole_words_only(key: str) -> bool:
    """A key in a script written with spaces: it must not be glued to other letters."""
    return not _UNSPACED.search(key)


def stands_alone(text: str, start: int, end: int) -> bool:
    """No letter touches the original span [start, end) on either side."""
    return (start == 0 or not is_letter(text[start - 1])) and (
        end == len(text) or not is_letter(text[end])
    )
