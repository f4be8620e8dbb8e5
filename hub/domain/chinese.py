"""Chinese text helpers shared by checks and search: traditional → simplified folding."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Traditional → simplified (opencc t2s)."""
    return str(_t2s().convert(text))


def fold_aligned(text: str) -> str:
    """Like `fold`, but guaranteed to keep every character at its offset.

    Phrase conversion can change length; then each character is folded on its own,
    so offsets found in the folded text point into the original.
    """
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    conv = _t2s()
    return "".join(c if len(f := conv.convert(c)) != 1 else f for c in text)
