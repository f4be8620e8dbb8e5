"""A center's sensitive-word list (敏感词表), stored, and the checks run on a story."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.domain.story import StoryContent
from hub.errors import invalid
from hub.ids import now_ms
from hub.store.documents import TenantDocument
from hub.store.scope import Scope
from hub.workflow.checks import (
    Level,
    SourceRules,
    Word,
    WordList,
    proofreading_hints,
    sensitive_words,
    source_rules,
)
from hub.workflow.review import Finding

MAX_WORDS = 50_000


class WordListDoc(TenantDocument):
    """One center's list (`_id` = tenant) and its allowed 转载 sources."""

    words: list[dict[str, Any]] = Field(default_factory=list)  # {text, level, suggestion, note}
    allowed_sources: list[str] = Field(default_factory=list)
    updated_at: int = Field(default_factory=now_ms)
    updated_by: str | None = None

    class Settings:
        name = "word_lists"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1)])]


_compiled: dict[tuple[str, int], WordList] = {}  # (tenant, updated_at) -> matcher


async def save(scope: Scope, words: list[dict[str, Any]], allowed_sources: list[str]) -> WordListDoc:
    if len(words) > MAX_WORDS:
        raise invalid("words", f"词表最多 {MAX_WORDS} 个词", f"at most {MAX_WORDS} words")
    clean = []
    for w in words:
        text = str(w.get("text") or "").strip()
        if not text:
            continue
        level = str(w.get("level") or Level.BLOCK.value)
        if level not in {lv.value for lv in Level}:
            raise invalid("level", "级别应为 block(拦截)或 warn(提示)", "level must be block or warn")
        clean.append({"text": text, "level": level, "suggestion": w.get("suggestion"), "note": w.get("note")})
    doc = WordListDoc(id=scope.tenant, tenant=scope.tenant, words=clean,
                      allowed_sources=[s.strip() for s in allowed_sources if s.strip()], updated_by=scope.actor)  # fmt: skip
    await doc.save()
    return doc


async def get(tenant: str) -> WordListDoc | None:
    return await WordListDoc.find_one({"tenant": tenant, "_id": tenant})


async def findings(tenant: str, content: StoryContent) -> list[Finding]:
    """Every check's findings on `content` with the center's own list and sources."""
    doc = await get(tenant)
    key = (tenant, doc.updated_at if doc else 0)
    if key not in _compiled:
        words = [Word(w["text"], Level(w["level"]), w.get("suggestion"), w.get("note")) for w in (doc.words if doc else [])]
        _compiled[key] = WordList(words)
    rules = SourceRules(frozenset(doc.allowed_sources) if doc else frozenset())
    return [*sensitive_words(content, _compiled[key]), *source_rules(content, rules), *proofreading_hints(content)]
