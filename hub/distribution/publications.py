"""Reading and moving publications. Every move is a compare-and-set on `seq` that writes
the state and its ledger entry together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.distribution.documents import LedgerEntry, PublicationDoc
from hub.distribution.states import Action, PubState, publication_id, require_move
from hub.errors import Codes, HubError
from hub.ids import now_ms
from hub.store.bulk import insert_new
from hub.store.coalesce import find_by_id
from hub.store.cursor import eq
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted


class StaleTransition(Exception):
    """Someone else moved the publication first; reload it and decide again."""


@dataclass(frozen=True)
class Planned:
    """One publication to plan (see `plan`)."""

    channel: str
    action: Action
    revision: int
    revision_id: str
    overrides: dict[str, Any] = field(default_factory=dict)
    replaces: str | None = None
    approval: dict[str, Any] = field(default_factory=dict)


def _new(tenant: str, story_id: str, p: Planned, actor: str, now: int) -> PublicationDoc:
    pub_id = publication_id(story_id, p.revision, p.channel, p.action)
    return PublicationDoc(
        id=pub_id,
        tenant=tenant,
        story_id=story_id,
        revision=p.revision,
        revision_id=p.revision_id,
        channel=p.channel,
        action=p.action,
        idempotency_key=f"ronghub:{tenant}:{pub_id}",
        overrides=p.overrides,
        replaces=p.replaces,
        approval=p.approval,
        seq=1,
        ledger={
            "0001": LedgerEntry(
                seq=1, at=now, from_state=None, to_state=PubState.PLANNED, actor=actor
            )
        },
    )


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
    doc = _new(
        tenant,
        story_id,
        Planned(channel, action, revision, revision_id, overrides or {}, replaces, approval or {}),
        actor,
        now_ms(),
    )
    try:
        await doc.insert()
    except DuplicateKeyError:
        existing = await PublicationDoc.get(doc.id)
        assert existing is not None
        return existing
    return doc


async def plan_many(
    tenant: str, story_id: str, planned: list[Planned], actor: str = "system"
) -> list[PublicationDoc]:
    """`plan` of several publications of one story in one round trip (two when some
    existed already: a re-run plan finds them as they are now). In `planned`'s order."""
    now = now_ms()
    docs = [_new(tenant, story_id, p, actor, now) for p in planned]
    made = await insert_new(PublicationDoc, docs)
    missing = [d.id for d in docs if d.id not in made]
    found = (
        {d.id: d for d in await PublicationDoc.find({"_id": {"$in": missing}}).to_list()}
        if missing
        else {}
    )
    return [d if d.id in made else found[d.id] for d in docs]


async def move(
    pub: PublicationDoc,
    to: PubState,
    *,
    actor: str,
    note: str | None = None,
    evidence: dict[str, Any] | None = None,
    then: PubState | None = None,
    via: PubState | None = None,
    **fields: Any,
) -> PublicationDoc:
    """Move to `to`, recording the ledger entry atomically. Raises StaleTransition.

    `then`: a further step taken in the same write, with its own ledger entry (a rendered
    variant goes on to delivering: one store round trip instead of two per publication).
    `via`: a step before `to`, recorded in the same write with its own entry (rendering,
    when a planned publication is rendered: it is written with its outcome). The note and
    the evidence belong to the entry of `to`."""
    steps = [*([via] if via is not None else []), to, *([then] if then is not None else [])]
    seq = pub.seq
    now = now_ms()
    ledger = {}
    current = pub.state
    for step in steps:
        require_move(current, step)
        seq += 1
        ledger[f"ledger.{seq:04d}"] = LedgerEntry(
            seq=seq,
            at=now,
            from_state=current,
            to_state=step,
            actor=actor,
            note=note if step == to else None,
            evidence=(evidence or {}) if step == to else {},
        ).model_dump(mode="json")
        current = step
    raw = await Tenanted(PublicationDoc, pub.tenant).find_one_and_update(
        {"_id": pub.id, "seq": pub.seq},
        {"$set": {"state": current.value, "seq": seq, "updated_at": now, **ledger, **fields}},
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


async def get_shared(tenant: str, pub_id: str) -> PublicationDoc | None:
    """`get`, joined with the reads of other publications of `tenant` at the same moment
    (hub/store/coalesce.py: one `$in` find, sent after each read began, so each sees every
    move committed before it asked). Each caller gets its own copy."""
    doc = await find_by_id(PublicationDoc, {"tenant": tenant}, pub_id)
    return doc.model_copy(deep=True) if doc is not None else None


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
