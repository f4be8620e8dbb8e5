"""Reading and moving publications. Every move is a compare-and-set on `seq` that writes
the state and its ledger entry together."""

from __future__ import annotations

from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.distribution.documents import LedgerEntry, PublicationDoc
from hub.distribution.states import Action, PubState, publication_id, require_move
from hub.errors import Codes, HubError
from hub.ids import now_ms
from hub.store.cursor import eq
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted


class StaleTransition(Exception):
    """Someone else moved the publication first; reload it and decide again."""


async def plan(
    *,
    tenant: str,
    story_id: str,
    revision: int,
    revision_id: str,
    channel: str,
    action: Action,
    overrides: dict[str, Any] | None = None,
    replaces: str | None = None,
    actor: str = "system",
    approval: dict[str, Any] | None = None,
) -> PublicationDoc:
    """Create the publication (planned) unless it exists; return it either way."""
    pub_id = publication_id(story_id, revision, channel, action)
    now = now_ms()
    doc = PublicationDoc(
        id=pub_id,
        tenant=tenant,
        story_id=story_id,
        revision=revision,
        revision_id=revision_id,
        channel=channel,
        action=action,
        idempotency_key=f"ronghub:{tenant}:{pub_id}",
        overrides=overrides or {},
        replaces=replaces,
        approval=approval or {},
        seq=1,
        ledger={
            "0001": LedgerEntry(
                seq=1, at=now, from_state=None, to_state=PubState.PLANNED, actor=actor
            )
        },
    )
    try:
        await doc.insert()
    except DuplicateKeyError:
        existing = await PublicationDoc.get(pub_id)
        assert existing is not None
        return existing
    return doc


async def move(
    pub: PublicationDoc,
    to: PubState,
    *,
    actor: str,
    note: str | None = None,
    evidence: dict[str, Any] | None = None,
    then: PubState | None = None,
    **fields: Any,
) -> PublicationDoc:
    """Move to `to`, recording the ledger entry atomically. Raises StaleTransition.

    `then`: a further step taken in the same write, with its own ledger entry (a rendered
    variant goes on to delivering: one store round trip instead of two per publication)."""
    require_move(pub.state, to)
    seq = pub.seq + 1
    now = now_ms()
    entry = LedgerEntry(
        seq=seq,
        at=now,
        from_state=pub.state,
        to_state=to,
        actor=actor,
        note=note,
        evidence=evidence or {},
    )
    ledger = {f"ledger.{seq:04d}": entry.model_dump(mode="json")}
    state = to
    if then is not None:
        require_move(to, then)
        seq += 1
        ledger[f"ledger.{seq:04d}"] = LedgerEntry(
            seq=seq, at=now, from_state=to, to_state=then, actor=actor
        ).model_dump(mode="json")
        state = then
    raw = await Tenanted(PublicationDoc, pub.tenant).find_one_and_update(
        {"_id": pub.id, "seq": pub.seq},
        {"$set": {"state": state.value, "seq": seq, "updated_at": now, **ledger, **fields}},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        raise StaleTransition(pub.id)
    return PublicationDoc.model_validate(raw)


async def set_metrics(pub: PublicationDoc, metrics: dict[str, Any]) -> None:
    """Keep the platform's latest counts (传播效果) on the publication; not a transition.
    Never over later counts: a fetch (`metrics.slot`) older than the stored one is not kept."""
    coll = Tenanted(PublicationDoc, pub.tenant)
    slot = int(metrics.get("slot") or 0)
    for guard in ({"metrics.slot": {"$lte": slot}}, {"metrics.slot": {"$exists": False}}):
        if (
            await coll.update_one({"_id": pub.id, **guard}, {"$set": {"metrics": metrics}})
        ).matched_count:
            return


async def move_embargo(tenant: str, story_id: str, until: int | None) -> None:
    """Keep the story's publications' copy of the embargo (read by the partner log) in step
    with a moved embargo; sends themselves re-check the story's own record."""
    await Tenanted(PublicationDoc, tenant).update_many(
        {
            "tenant": eq(tenant),
            "story_id": eq(story_id),
            "action": {"$in": [Action.PUBLISH.value, Action.CORRECT.value]},
        },
        {"$set": {"approval.embargo_until": until}},
    )


async def get(pub_id: str) -> PublicationDoc | None:
    return await PublicationDoc.get(pub_id)


async def of_story(tenant: str, story_id: str) -> list[PublicationDoc]:
    return (
        await PublicationDoc.find({"tenant": eq(tenant), "story_id": eq(story_id)})
        .sort([("created_at", SortDirection.ASCENDING)])
        .to_list()
    )


class PublicationRepository:
    """What editors may read and do with publications, within their tenant."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def _newsroom(self) -> None:
        if self.scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)

    async def of_story(self, story_id: str) -> list[PublicationDoc]:
        self._newsroom()
        return await of_story(self.scope.tenant, story_id)

    async def get(self, pub_id: str) -> PublicationDoc:
        self._newsroom()
        doc = await PublicationDoc.find_one({"tenant": self.scope.tenant, "_id": pub_id})
        if doc is None:
            raise HubError(Codes.NOT_FOUND, what_zh="发布记录", what_en="publication", id=pub_id)
        return doc
