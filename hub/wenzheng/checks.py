"""The center's sensitive-word list run on a question's text at intake (the same list and
matcher as the stories' check); findings are shown to the screeners."""

from __future__ import annotations

from typing import Any

from hub.workflow import wordlists
from hub.workflow.checks import Level, Word, WordList


async def word_findings(tenant: str, text: str) -> list[dict[str, Any]]:
    doc = await wordlists.get(tenant)
    if doc is None or not doc.words:
        return []
    words = WordList(
        Word(
            str(w["text"]),
            Level(w.get("level") or Level.BLOCK.value),
            w.get("suggestion"),
            w.get("note"),
        )
        for w in doc.words
    )
    return [
        {
            "code": "SENSITIVE_WORD",
            "match": text[s:e],
            "start": s,
            "end": e,
            "blocking": w.level == Level.BLOCK,
        }
        for s, e, w in words.scan(text)
    ]
