"""A center's sensitive-word list (敏感词表), stored; the checks run on a story (through
the `check_story` hook) and editors' acknowledgements of their findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import ronghub_sdk as sdk
from pydantic import Field
from pymongo import IndexModel

from hub.audit import pending
from hub.audit.fields import CARRIED_FIELDS, AuditPendingFields, pending_index
from hub.audit.writes import audited_upsert, settled
from hub.channels.manager import ChannelManager
from hub.channels.story_input import story_input
from hub.errors import HubError, invalid
from hub.ids import now_ms
from hub.store.catalog import AssetRepository
from hub.store.documents import RevisionDoc, StoryDoc, TenantDocument
from hub.store.scope import Scope
from hub.workflow.checks import Level, field_texts
from hub.workflow.errors import ReviewCodes
from hub.workflow.plugins import run_checks
from hub.workflow.review import Finding, check_acknowledge, finding_key

MAX_WORDS = 50_000


class WordListDoc(TenantDocument, AuditPendingFields):
    """One center's list (`_id` = tenant) and its allowed 转载 sources."""

    words: list[dict[str, Any]] = Field(default_factory=list)  # {text, level, suggestion, note}
    allowed_sources: list[str] = Field(default_factory=list)
    updated_at: int = Field(default_factory=now_ms)
    updated_by: str | None = None

    class Settings:
        name = "word_lists"
        indexes: ClassVar[list[Any]] = [pending_index(), IndexModel([("tenant", 1)])]


async def save(
    scope: Scope, words: list[dict[str, Any]], allowed_sources: list[str]
) -> WordListDoc:
    if len(words) > MAX_WORDS:
        raise invalid("words", f"词表最多 {MAX_WORDS} 个词", f"at most {MAX_WORDS} words")
    clean = []
    for w in words:
        text = str(w.get("text") or "").strip()
        if not text:
            continue
        level = str(w.get("level") or Level.BLOCK.value)
        if level not in {lv.value for lv in Level}:
            raise invalid(
                "level", "级别应为 block(拦截)或 warn(提示)", "level must be block or warn"
            )
        clean.append(
            {"text": text, "level": level, "suggestion": w.get("suggestion"), "note": w.get("note")}
        )
    doc = WordListDoc(
        id=scope.tenant,
        tenant=scope.tenant,
        words=clean,
        allowed_sources=[s.strip() for s in allowed_sources if s.strip()],
        updated_by=scope.actor,
    )
    carried = await pending.prepare(
        scope.tenant,
        scope.actor,
        "review.word_list.save",
        "word_list",
        scope.tenant,
        {"words": len(clean), "allowed_sources": len(doc.allowed_sources)},
    )
    await _replace(WordListDoc, doc, carried)
    return doc


async def _replace(
    model: type[TenantDocument], doc: TenantDocument, carried: pending.Pending
) -> None:
    """Store `doc` in place of the one with its id (an upsert), with the change's audit
    entry in the same write (entries the old one still carries stay); then append it."""
    body = doc.model_dump(by_alias=True, mode="json", exclude={"id", *CARRIED_FIELDS})
    await audited_upsert(model, doc.tenant, {"_id": doc.id}, body, carried)
    await settled(doc, carried)


async def get(tenant: str) -> WordListDoc | None:
    return await WordListDoc.find_one({"tenant": tenant, "_id": tenant})


class FindingAckDoc(TenantDocument, AuditPendingFields):
    """An editor's acknowledgement of one finding (`_id` = `{story_id}:{key}`): kept while
    the finding's key stands (the matched text and its surroundings unchanged)."""

    story_id: str
    key: str
    note: str = ""
    by: str | None = None
    content_hash: str  # the revision it was acknowledged on
    blocking: bool = False
    at: int = Field(default_factory=now_ms)

    class Settings:
        name = "finding_acks"
        indexes: ClassVar[list[Any]] = [
            pending_index(),
            IndexModel([("tenant", 1), ("story_id", 1)]),
        ]


_default_manager: ChannelManager | None = None


def plugin_manager(services: Any) -> ChannelManager:
    """The channel plugin manager of the running hub (checks are hooks on it); outside a
    hub (unit tests, CLI) a manager with the installed check plugins and the built-ins."""
    global _default_manager
    distribution = getattr(services, "distribution", None)
    if distribution is not None:
        manager: ChannelManager = distribution.channels
        return manager
    if _default_manager is None:
        _default_manager = ChannelManager()
        _default_manager.discover_checks()
    return _default_manager


def check_config(
    tenant: str, doc: WordListDoc | None, texts: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The `config` of the `check_story` hook for a center (`texts`: every text of the
    story a reader or platform sees, by field, see checks.field_texts)."""
    return {
        **({"texts": dict(texts)} if texts is not None else {}),
        "tenant": tenant,
        "sensitive_words": list(doc.words) if doc else [],
        "word_list_version": f"{tenant}:{doc.updated_at}" if doc else f"{tenant}:none",
        "allowed_sources": list(doc.allowed_sources) if doc else [],
    }


def _keyed(found: sdk.Finding, texts: Mapping[str, str]) -> Finding:
    context = ""
    if (
        found.field is not None
        and found.field in texts
        and found.start is not None
        and found.end is not None
    ):
        text = texts[found.field]
        context = (
            text[max(0, found.start - CONTEXT) : found.start]
            + "|"
            + text[found.end : found.end + CONTEXT]
        )
    return Finding(
        code=found.code,
        message=found.message_zh,
        message_en=found.message_en,
        blocking=found.blocking,
        field=found.field,
        start=found.start,
        end=found.end,
        match=found.match,
        suggestion=found.suggestion,
        key=finding_key(found.code, found.field, found.match, context),
    )


CONTEXT = 6  # characters either side of a match that belong to its key


async def findings(pm: ChannelManager, tenant: str, story: StoryDoc) -> list[Finding]:
    """Every check's findings on the story's current content, each with its stable key and
    marked resolved when acknowledged. Keys repeated in one field (the same word twice in
    the same surroundings) are numbered so each stays distinct."""
    doc = await get(tenant)
    content = story.content()
    data = story_input(
        content,
        tenant=tenant,
        story_id=story.id,
        revision_id=RevisionDoc.make_id(story.id, story.revision),
        revision_number=story.revision,
        metadata=content.metadata,
    )
    texts = field_texts(content, await asset_texts(tenant, content))
    raw = run_checks(pm, data, check_config(tenant, doc, texts))
    acks = {
        a.key: a
        for a in await FindingAckDoc.find({"tenant": tenant, "story_id": story.id}).to_list()
    }
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for f in raw:
        keyed = _keyed(f, texts)
        n = seen.get(keyed.key, 0)
        seen[keyed.key] = n + 1
        if n:
            keyed = replace(keyed, key=f"{keyed.key}.{n}")
        ack = acks.get(keyed.key)
        out.append(replace(keyed, resolved=True, acknowledged_by=ack.by) if ack else keyed)
    return out


ASSET_TEXTS = ("caption", "alt", "title", "credit", "copyright")


async def asset_texts(tenant: str, content: Any) -> dict[str, dict[str, str | None]]:
    """What readers see of the story's media (captions, alt texts …), by asset id."""
    ids = list(
        dict.fromkeys(
            [*([content.cover_asset_id] if content.cover_asset_id else []), *content.asset_ids]
        )
    )
    if not ids:
        return {}
    found = await AssetRepository(Scope(tenant, "review", public_only=False)).get_many(ids)
    return {i: {f: getattr(found[i], f, None) for f in ASSET_TEXTS} for i in ids if i in found}


async def acknowledge(
    pm: ChannelManager, scope: Scope, roles: set[str], story: StoryDoc, key: str, note: str
) -> Finding:
    """确认: accept one finding of the current revision (blocking ones: chief editor only)."""
    found = next((f for f in await findings(pm, scope.tenant, story) if f.key == key), None)
    if found is None:
        raise HubError(ReviewCodes.FINDING_NOT_FOUND, key=key)
    check_acknowledge(found, roles, note)
    ack = FindingAckDoc(
        id=f"{story.id}:{key}",
        tenant=scope.tenant,
        story_id=story.id,
        key=key,
        note=note.strip(),
        by=scope.actor,
        content_hash=story.content_hash,
        blocking=found.blocking,
    )
    carried = await pending.prepare(
        scope.tenant,
        scope.actor,
        "story.finding.acknowledge",
        "story",
        story.id,
        {
            "key": key,
            "code": found.code,
            "blocking": found.blocking,
            "note": note.strip(),
            "content_hash": story.content_hash,
            "version": story.version,
        },
    )
    await _replace(FindingAckDoc, ack, carried)
    return replace(found, resolved=True, acknowledged_by=scope.actor)
