"""Audited writes: one change of one document with its audit entry in the same write.

The pattern every audited single-document change follows (hub/audit/pending.py says why):

    entry = await pending.prepare(...)                     # its sweep is scheduled first
    doc = await audited_update(Model, tenant, filter, update, entry)  # compare-and-set, entry inside
    if doc is None: ...                                    # lost the race: nothing written
    doc = await settled(doc, entry)                        # appended to the chain, taken off

`audited_update` is the only place that puts an entry into an update and reads the
document back; `audited_upsert` is its replacing form; `settled` appends and returns the
document as stored afterwards. A writer that has more to do between its write and the
append (announcing, notifying) calls `settled` when it is ready: the entry waits on the
document, and the sweep appends it if the writer dies in between.
"""

from __future__ import annotations

from typing import Any, TypeVar

from beanie import Document
from pymongo import ReturnDocument

from hub.audit.pending import Pending, settle, without
from hub.store.tenanted import Tenanted

D = TypeVar("D", bound=Document)


async def audited_update(
    model: type[D],
    tenant: str,
    filter: dict[str, Any],
    update: dict[str, Any],
    entry: Pending | None,
) -> D | None:
    """Apply `update` (with `entry`, if any) to the one document of `tenant` that `filter`
    matches, as a compare-and-set: the document after the write, or None when nothing
    matched."""
    raw = await Tenanted(model, tenant).find_one_and_update(
        filter,
        entry.into(update) if entry is not None else update,
        return_document=ReturnDocument.AFTER,
    )
    return None if raw is None else model.model_validate(raw)


async def audited_upsert(
    model: type[D],
    tenant: str,
    filter: dict[str, Any],
    fields: dict[str, Any],
    entry: Pending | None,
) -> None:
    """Set `fields` on the document of `tenant` that `filter` names, creating it if missing,
    with `entry` (entries the document still carries are kept: only `fields` are replaced)."""
    update: dict[str, Any] = {"$set": fields}
    await Tenanted(model, tenant).update_one(
        filter, entry.into(update) if entry is not None else update, upsert=True
    )


async def settled(doc: D, entry: Pending | None) -> D:
    """After the write: append `entry` to the chain and take it off the document (never
    raises: an entry that cannot be appended now waits for the sweep); `doc` as stored
    then."""
    if entry is None:
        return doc
    await settle(type(doc), doc.id, entry)
    return without(doc, entry)
