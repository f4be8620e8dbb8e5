"""A center's review chains (审核流程), stored: per story type, column and set of target channels.

`submitForReview` picks the most specific chain that applies (`choose_chain`) and
snapshots it into the round, so changing a chain never changes a review under way.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, ClassVar

from beanie.odm.enums import SortDirection
from pydantic import Field
from pymongo import IndexModel

from hub.audit.deferred import record
from hub.domain.story import StoryType
from hub.errors import HubError
from hub.ids import new_id, now_ms
from hub.store.documents import TenantDocument
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted
from hub.workflow.errors import ReviewCodes
from hub.workflow.review import ReviewChain, Stage, check_stage_roles


class ReviewChainDoc(TenantDocument):
    name: str
    stages: list[dict[str, str]]  # {key, name, role}
    columns: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    reenter_stage: int = 0
    takedown_stage: int | None = None
    correction_stage: int | None = None
    proof_rounds: int = 0
    updated_at: int = Field(default_factory=now_ms)
    updated_by: str | None = None

    class Settings:
        name = "review_chains"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("updated_at", 1)])]


def to_domain(doc: ReviewChainDoc | dict[str, Any]) -> ReviewChain:
    d: dict[str, Any] = doc.model_dump() if isinstance(doc, ReviewChainDoc) else doc
    return ReviewChain(
        id=str(d["id"]),
        name=d["name"],
        stages=tuple(Stage(**s) for s in d["stages"]),
        columns=frozenset(d.get("columns") or ()),
        channels=frozenset(d.get("channels") or ()),
        types=frozenset(d.get("types") or ()),
        reenter_stage=int(d.get("reenter_stage") or 0),
        takedown_stage=d.get("takedown_stage"),
        correction_stage=d.get("correction_stage"),
        proof_rounds=int(d.get("proof_rounds") or 0),
    )


def snapshot(chain: ReviewChain) -> dict[str, Any]:
    """The chain as stored in a round (plain JSON)."""
    return {
        "id": chain.id,
        "name": chain.name,
        "stages": [asdict(s) for s in chain.stages],
        "columns": sorted(chain.columns),
        "channels": sorted(chain.channels),
        "types": sorted(chain.types),
        "reenter_stage": chain.reenter_stage,
        "takedown_stage": chain.takedown_stage,
        "correction_stage": chain.correction_stage,
        "proof_rounds": chain.proof_rounds,
    }


def validated(fields: dict[str, Any], known_channels: set[str] | None) -> ReviewChain:
    """The chain the fields describe, or an error naming what is wrong (nothing stored)."""
    chain = to_domain(fields)  # the pure rules: stages, indexes
    check_stage_roles(chain)
    unknown = sorted(chain.channels - known_channels) if known_channels is not None else []
    if unknown:
        raise HubError(
            ReviewCodes.BAD_CHAIN,
            reason_zh=f"未知渠道 {'、'.join(unknown)}",
            reason_en=f"unknown channels: {', '.join(unknown)}",
        )
    types = sorted(chain.types - {t.value for t in StoryType})
    if types:
        raise HubError(
            ReviewCodes.BAD_CHAIN,
            reason_zh=f"未知稿件类型 {'、'.join(types)}",
            reason_en=f"unknown story types: {', '.join(types)}",
        )
    if not chain.name.strip():
        raise HubError(
            ReviewCodes.BAD_CHAIN, reason_zh="名称不能为空", reason_en="name is required"
        )
    return chain


async def list_chains(tenant: str) -> list[ReviewChainDoc]:
    return (
        await ReviewChainDoc.find({"tenant": tenant})
        .sort([("updated_at", SortDirection.ASCENDING)])
        .to_list()
    )


async def domain_chains(tenant: str) -> list[ReviewChain]:
    return [to_domain(d) for d in await list_chains(tenant)]


async def get(tenant: str, chain_id: str) -> ReviewChainDoc:
    doc = await ReviewChainDoc.find_one({"tenant": tenant, "_id": chain_id})
    if doc is None:
        raise HubError(ReviewCodes.CHAIN_NOT_FOUND, id=chain_id)
    return doc


async def save(
    scope: Scope, chain_id: str | None, fields: dict[str, Any], known_channels: set[str] | None
) -> ReviewChainDoc:
    """Create (no id) or replace a chain, validated before anything is written."""
    if chain_id is not None:
        await get(scope.tenant, chain_id)
    cid = chain_id or new_id()
    chain = validated({**fields, "id": cid}, known_channels)
    data = snapshot(chain)
    data.pop("id")
    doc = ReviewChainDoc(id=cid, tenant=scope.tenant, updated_by=scope.actor, **data)
    await Tenanted(ReviewChainDoc, scope.tenant).replace_one(
        {"_id": cid},
        doc.model_dump(by_alias=True, mode="json"),
        upsert=True,
    )
    await record(
        scope.tenant,
        scope.actor,
        "review.chain.update" if chain_id else "review.chain.create",
        "review_chain",
        cid,
        data,
    )
    return doc


async def delete(scope: Scope, chain_id: str) -> None:
    await get(scope.tenant, chain_id)
    await Tenanted(ReviewChainDoc, scope.tenant).delete_one({"_id": chain_id})
    await record(scope.tenant, scope.actor, "review.chain.delete", "review_chain", chain_id, {})
