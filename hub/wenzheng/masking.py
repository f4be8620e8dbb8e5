"""个人信息遮蔽: phone numbers, ID numbers and street addresses are masked in anything
public (the published Q&A, feeds, the figures' samples). Plain code, no I/O.

Citizens (and people who want to slip a number past a filter) write digits in many
forms: full-width ０-９, other scripts' digits, digits split by spaces, hyphens, dots or
zero-width characters. Detection therefore runs on a folded copy (every decimal digit
as ASCII, invisible format characters removed); the public text is that folded copy
with the matches masked, so no unmasked form survives beside the masked one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class PersonalData(StrEnum):
    PHONE = "phone"
    ID_NUMBER = "id_number"
    ADDRESS = "address"
    NUMBER = "number"  # any other long digit run (landline, bank card, plate …)


SEP = r"[ \-.·_/]?"
ID_RE = re.compile(
    r"(?<![0-9])[1-9]\d{5}"
    + r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
PHONE_RE = re.compile(r"(?<![0-9])(?:\+?86" + SEP + r")?1[3-9]\d(?:" + SEP + r"\d){8}(?![0-9])")
NUMBER_RE = re.compile(r"(?<![0-9])\d(?:" + SEP + r"\d){6,}(?![0-9])")
# the house-level part of an address: 88号, 3栋, 2单元, 501室, 12弄, 5楼, 3幢, 2组
ADDRESS_RE = re.compile(r"\d+(?=\s*(?:号楼|号院|号|栋|幢|单元|室|弄|楼|组|排|户))")


@dataclass(frozen=True)
class Match:
    kind: PersonalData
    start: int
    end: int


def fold(text: str) -> str:
    """Every decimal digit as ASCII; format characters (zero-width spaces, joiners, BOM,
    direction marks) removed; other characters unchanged (Chinese punctuation stays)."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue
        if cat == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        else:
            out.append(ch)
    return "".join(out)


def find(text: str) -> list[Match]:
    """Personal data in `text` (positions in `fold(text)`), without overlaps, in order."""
    folded = fold(text)
    taken: list[Match] = []

    def free(s: int, e: int) -> bool:
        return all(e <= m.start or s >= m.end for m in taken)

    for kind, pattern in (
        (PersonalData.ID_NUMBER, ID_RE),
        (PersonalData.PHONE, PHONE_RE),
        (PersonalData.NUMBER, NUMBER_RE),
        (PersonalData.ADDRESS, ADDRESS_RE),
    ):
        for m in pattern.finditer(folded):
            if free(m.start(), m.end()):
                taken.append(Match(kind, m.start(), m.end()))
    return sorted(taken, key=lambda m: m.start)


def _mask_digits(segment: str, keep_head: int, keep_tail: int) -> str:
    digits = [i for i, ch in enumerate(segment) if ch.isdigit() or ch in "Xx"]
    hidden = set(digits[keep_head : len(digits) - keep_tail if keep_tail else None])
    return "".join(
        "*" if i in hidden else ch for i, ch in enumerate(segment) if i in digits or i in hidden
    )


def mask(text: str) -> str:
    """The public form of `text`: phones as 138****5678, ID numbers as 110**********1234,
    other long numbers keep their last two digits, house numbers become *."""
    folded = fold(text)
    out, pos = [], 0
    for m in find(text):
        out.append(folded[pos : m.start])
        segment = folded[m.start : m.end]
        if m.kind == PersonalData.PHONE:
            core = (
                re.sub(r"^\+?86" + SEP, "", segment)
                if segment.startswith(("+86", "86")) and len(re.sub(r"\D", "", segment)) > 11
                else segment
            )
            out.append(_mask_digits(core, 3, 4))
        elif m.kind == PersonalData.ID_NUMBER:
            out.append(_mask_digits(segment, 3, 4))
        elif m.kind == PersonalData.NUMBER:
            out.append(_mask_digits(segment, 0, 2))
        else:
            out.append("*" * len(segment))
        pos = m.end
    out.append(folded[pos:])
    return "".join(out)


def kinds(text: str) -> list[PersonalData]:
    """Which kinds of personal data `text` holds (for the screening findings)."""
    return sorted({m.kind for m in find(text)}, key=lambda k: list(PersonalData).index(k))
