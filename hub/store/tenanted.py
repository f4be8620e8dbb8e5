"""A collection seen by one tenant: the repository adds the tenant, the caller cannot.

`Tenanted(StoryDoc, tenant)` wraps PyMongo's async collection of a document class. Every
operation it offers puts `tenant` into the filter, into inserted documents and
replacements, and into the document an upsert creates (by `$set`: nx-27017
drops `$setOnInsert` on some upserts). A filter, document or `$set` that names another
tenant is refused with `TenantMismatch` before anything is sent: that is a bug in the
caller, never an editor's input. The cost per call is one dict merge.

The tenant is added as a plain equality, as most call sites wrote it by hand before, so
the queries sent are the ones measured. A filter that names the same tenant is sent as it
is: a query that wants the `{"$eq": tenant}` form (which the embedded store serves from a
compound index, hub/store/cursor.py) writes `"tenant": eq(tenant)` itself.

What one tenant cannot express goes through `across_tenants(DocClass, reason="…")`, the only
other way to a raw collection outside hub/store/: job-queue claims and sweeps over every
tenant, the tenant registry itself, index and migration work, and batch writes that carry
rows of many tenants (each row still names its own). The reason is a literal string, so
`grep -rn "across_tenants(" hub` lists every such place with why; tests/unit/
test_raw_collections.py fails on any other raw collection outside hub/store/ and keeps
the list of modules allowed to use the escape hatch (docs/storage.md, "Tenancy").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from beanie import Document
from pymongo import (
    DeleteMany,
    DeleteOne,
    InsertOne,
    ReplaceOne,
    ReturnDocument,
    UpdateMany,
    UpdateOne,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.command_cursor import AsyncCommandCursor
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.results import (
    BulkWriteResult,
    DeleteResult,
    InsertManyResult,
    InsertOneResult,
    UpdateResult,
)

Raw = dict[str, Any]
Op = InsertOne[Raw] | UpdateOne | UpdateMany | ReplaceOne[Raw] | DeleteOne | DeleteMany

_ABSENT = object()


class TenantMismatch(ValueError):
    """A filter, document or update named another tenant than the collection's."""

    def __init__(self, collection: str, tenant: str, named: Any) -> None:
        super().__init__(f"{collection}: scoped to tenant {tenant!r}, the call names {named!r}")
        self.collection = collection
        self.tenant = tenant
        self.named = named


def across_tenants(model: type[Document], *, reason: str) -> AsyncCollection[Raw]:
    """The raw collection of `model`, across every tenant: the named escape hatch.

    `reason` says why one tenant cannot express the operation (a literal string: the
    raw-collection test lists the modules that call this)."""
    if not reason.strip():
        raise ValueError("across_tenants needs a reason")
    collection: AsyncCollection[Raw] = model.get_pymongo_collection()
    return collection


def store_identity(model: type[Document]) -> tuple[int, str]:
    """Which store and collection `model` is bound to now (the client's identity and the
    collection's full name): a key for what a process remembers of one store (a process
    may be pointed at another database, e.g. in tests). Reads nothing."""
    collection = model.get_pymongo_collection()
    return (id(collection.database.client), collection.full_name)


class Tenanted:
    """The collection of `model` as `tenant` sees it (see the module doc)."""

    __slots__ = ("_collection", "tenant")

    def __init__(self, model: type[Document], tenant: str) -> None:
        if not tenant:
            raise ValueError("a tenant-scoped collection needs a tenant")
        self.tenant = tenant
        self._collection: AsyncCollection[Raw] = model.get_pymongo_collection()

    @property
    def name(self) -> str:
        return self._collection.name

    @property
    def database_name(self) -> str:
        return self._collection.database.name

    # ---- the scoping -------------------------------------------------------------------

    def _refuse(self, named: Any) -> TenantMismatch:
        return TenantMismatch(self._collection.name, self.tenant, named)

    def scoped(self, filter: Mapping[str, Any] | None = None) -> Raw:
        """`filter` with this tenant added (a filter naming this tenant stays as it is)."""
        if not filter:
            return {"tenant": self.tenant}
        named = filter.get("tenant", _ABSENT)
        if named is _ABSENT:
            return {**filter, "tenant": self.tenant}
        if named == self.tenant or named == {"$eq": self.tenant}:
            return dict(filter)
        raise self._refuse(named)

    def _document(self, document: Mapping[str, Any]) -> Raw:
        named = document.get("tenant", _ABSENT)
        if named is _ABSENT:
            return {**document, "tenant": self.tenant}
        if named != self.tenant:
            raise self._refuse(named)
        return dict(document)

    def _update(self, update: Mapping[str, Any] | Sequence[Any], upsert: bool) -> Any:
        if not isinstance(update, Mapping):  # an aggregation-pipeline update: filter only
            return update
        fields = update.get("$set")
        if fields is not None and "tenant" in fields:
            if fields["tenant"] != self.tenant:
                raise self._refuse(fields["tenant"])
            return update
        if not upsert:
            return update
        once = update.get("$setOnInsert")
        if once is not None and "tenant" in once:
            if once["tenant"] != self.tenant:
                raise self._refuse(once["tenant"])
            return update
        return {**update, "$set": {**(fields or {}), "tenant": self.tenant}}

    # ---- reads -------------------------------------------------------------------------

    def find(
        self, filter: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> AsyncCursor[Raw]:
        return self._collection.find(self.scoped(filter), *args, **kwargs)

    async def find_one(
        self, filter: Mapping[str, Any] | None = None, *args: Any, **kwargs: Any
    ) -> Raw | None:
        return await self._collection.find_one(self.scoped(filter), *args, **kwargs)

    async def count_documents(self, filter: Mapping[str, Any] | None = None, **kwargs: Any) -> int:
        return await self._collection.count_documents(self.scoped(filter), **kwargs)

    async def distinct(
        self, key: str, filter: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> list[Any]:
        return await self._collection.distinct(key, self.scoped(filter), **kwargs)

    async def aggregate(
        self, pipeline: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> AsyncCommandCursor[Raw]:
        """Run `pipeline` on this tenant's documents: the tenant joins its first `$match`
        (one is put first when it has none)."""
        if pipeline and "$match" in pipeline[0]:
            stages = [{"$match": self.scoped(pipeline[0]["$match"])}, *pipeline[1:]]
        else:
            stages = [{"$match": self.scoped()}, *pipeline]
        return await self._collection.aggregate(stages, **kwargs)

    # ---- writes ------------------------------------------------------------------------

    async def insert_one(self, document: Mapping[str, Any], **kwargs: Any) -> InsertOneResult:
        return await self._collection.insert_one(self._document(document), **kwargs)

    async def insert_many(
        self, documents: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> InsertManyResult:
        return await self._collection.insert_many([self._document(d) for d in documents], **kwargs)

    async def update_one(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any] | Sequence[Any],
        upsert: bool = False,
        **kwargs: Any,
    ) -> UpdateResult:
        return await self._collection.update_one(
            self.scoped(filter), self._update(update, upsert), upsert=upsert, **kwargs
        )

    async def update_many(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any] | Sequence[Any],
        upsert: bool = False,
        **kwargs: Any,
    ) -> UpdateResult:
        return await self._collection.update_many(
            self.scoped(filter), self._update(update, upsert), upsert=upsert, **kwargs
        )

    async def replace_one(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        upsert: bool = False,
        **kwargs: Any,
    ) -> UpdateResult:
        return await self._collection.replace_one(
            self.scoped(filter), self._document(replacement), upsert=upsert, **kwargs
        )

    async def find_one_and_update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any] | Sequence[Any],
        projection: Mapping[str, Any] | None = None,
        sort: Any = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
        **kwargs: Any,
    ) -> Raw | None:
        return await self._collection.find_one_and_update(
            self.scoped(filter),
            self._update(update, upsert),
            projection,
            sort,
            upsert,
            return_document=return_document,
            **kwargs,
        )

    async def find_one_and_delete(self, filter: Mapping[str, Any], **kwargs: Any) -> Raw | None:
        return await self._collection.find_one_and_delete(self.scoped(filter), **kwargs)

    async def delete_one(self, filter: Mapping[str, Any], **kwargs: Any) -> DeleteResult:
        return await self._collection.delete_one(self.scoped(filter), **kwargs)

    async def delete_many(self, filter: Mapping[str, Any], **kwargs: Any) -> DeleteResult:
        return await self._collection.delete_many(self.scoped(filter), **kwargs)

    async def bulk_write(self, requests: Sequence[Op], **kwargs: Any) -> BulkWriteResult:
        """PyMongo's bulk write, each request scoped as its single form would be."""
        return await self._collection.bulk_write([self._request(r) for r in requests], **kwargs)

    def _request(self, op: Op) -> Op:
        # PyMongo's request classes keep their parts in private attributes (4.x): a copy
        # with the scoped filter and document keeps every other option as it was
        if isinstance(op, InsertOne):
            inserted = copy.copy(op)
            inserted._doc = self._document(op._doc)
            return inserted
        scoped = copy.copy(op)
        if isinstance(scoped, UpdateOne | UpdateMany):
            scoped._doc = self._update(scoped._doc, bool(scoped._upsert))
        elif isinstance(scoped, ReplaceOne):
            scoped._doc = self._document(scoped._doc)
        scoped._filter = self.scoped(scoped._filter)
        return scoped
