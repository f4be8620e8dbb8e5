"""Repositories for tenants, columns and asset references (small, read-mostly)."""

from __future__ import annotations

from typing import Generic, TypeVar

from beanie.odm.enums import SortDirection

from hub.store.coalesce import find_by_id, find_by_ids
from hub.store.documents import AssetDoc, ColumnDoc, TenantDoc, TenantDocument
from hub.store.scope import Scope

D = TypeVar("D", bound=TenantDocument)


class TenantRepository(Generic[D]):
    """Get-by-id, batch get and list for one document type, always within the tenant."""

    model: type[D]

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def get(self, doc_id: str) -> D | None:
        found: D | None = await find_by_id(self.model, {"tenant": self.scope.tenant}, doc_id)
        return found

    async def get_many(self, ids: list[str]) -> dict[str, D]:
        """One round trip for any number of ids (what DataLoaders call), shared with other
        requests' reads of the same kind."""
        # with other requests' reads of the same tenant's documents (hub/store/coalesce.py)
        return await find_by_ids(self.model, {"tenant": self.scope.tenant}, ids)

    async def add(self, doc: D) -> D:
        if doc.tenant != self.scope.tenant:
            raise ValueError("document belongs to another tenant")
        await doc.insert()
        return doc


class ColumnRepository(TenantRepository[ColumnDoc]):
    model = ColumnDoc

    async def all(self) -> list[ColumnDoc]:
        return (
            await ColumnDoc.find({"tenant": self.scope.tenant})
            .sort([("position", SortDirection.ASCENDING)])
            .to_list()
        )

    async def by_slug(self, slug: str) -> ColumnDoc | None:
        return await ColumnDoc.find_one({"tenant": self.scope.tenant, "slug": slug})


class ColumnCache:
    """Columns by (tenant, id), kept in the process: every page and story read names its
    column, and columns are written once (`ColumnRepository.add`; nothing edits them).

    Should columns become editable, the edit must advance the tenant's read-model
    generation (as every change anonymous responses show must, or the response cache
    would keep the old name): `forget_tenant` is called then, here as in every process
    within the generation poll. Bounded: when full it starts again empty."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._docs: dict[tuple[str, str], ColumnDoc] = {}

    def forget_tenant(self, tenant: str) -> None:
        for key in [k for k in self._docs if k[0] == tenant]:
            del self._docs[key]

    def known(self, tenant: str, column_id: str) -> ColumnDoc | None:
        return self._docs.get((tenant, column_id))

    async def get_many(self, repo: ColumnRepository, ids: list[str]) -> dict[str, ColumnDoc]:
        tenant = repo.scope.tenant
        found = {i: doc for i in ids if (doc := self._docs.get((tenant, i))) is not None}
        missing = [i for i in ids if i not in found]
        if missing:
            loaded = await repo.get_many(missing)
            if len(self._docs) + len(loaded) > self.max_entries:
                self._docs.clear()
            self._docs.update({(tenant, i): doc for i, doc in loaded.items()})
            found.update(loaded)
        return found


class AssetRepository(TenantRepository[AssetDoc]):
    model = AssetDoc


class TenantDirectory(TenantRepository[TenantDoc]):
    model = TenantDoc

    async def ensure(self, name: str) -> TenantDoc:
        """The scope's own tenant document, created if missing."""
        existing = await self.get(self.scope.tenant)
        if existing is not None:
            return existing
        return await self.add(TenantDoc(id=self.scope.tenant, tenant=self.scope.tenant, name=name))
