"""Differences between two revisions: which fields changed and, for text, exactly where.

Text is compared line by line, then changed lines character by character, so a
one-character correction in a long Chinese body shows as that character.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from hub.domain.story import StoryContent

Op = Literal["equal", "insert", "delete", "replace"]


@dataclass(frozen=True)
class Hunk:
    op: Op
    before: str
    after: str
    before_start: int  # character offsets into the field's old and new text
    after_start: int


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None
    hunks: list[Hunk] = dataclasses.field(default_factory=list)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {v}" for k, v in sorted(value.items()) if v not in (None, False))
    return str(value)


def text_hunks(before: str, after: str) -> list[Hunk]:
    """Changed stretches between two texts (no `equal` hunks), with character offsets."""
    a_lines = before.splitlines(keepends=True)
    b_lines = after.splitlines(keepends=True)
    hunks: list[Hunk] = []
    a_off = [0]
    for line in a_lines:
        a_off.append(a_off[-1] + len(line))
    b_off = [0]
    for line in b_lines:
        b_off.append(b_off[-1] + len(line))
    lines = SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        if op == "equal":
            continue
        a_text, b_text = "".join(a_lines[i1:i2]), "".join(b_lines[j1:j2])
        if op != "replace":
            hunks.append(Hunk(op, a_text, b_text, a_off[i1], b_off[j1]))
            continue
        chars = SequenceMatcher(None, a_text, b_text, autojunk=False)
        for cop, c1, c2, d1, d2 in chars.get_opcodes():
            if cop != "equal":
                hunks.append(
                    Hunk(cop, a_text[c1:c2], b_text[d1:d2], a_off[i1] + c1, b_off[j1] + d1)
                )
    return hunks


def diff_contents(old: StoryContent, new: StoryContent) -> list[FieldChange]:
    """Every field that differs, in a stable order, with hunks for the text ones."""
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    changes: list[FieldChange] = []
    for name in StoryContent.model_fields:
        if a.get(name) == b.get(name):
            continue
        before, after = _as_text(a.get(name)), _as_text(b.get(name))
        hunks = text_hunks(before or "", after or "")
        changes.append(FieldChange(name, before, after, hunks))
    return changes
