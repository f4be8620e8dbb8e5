"""Per-request context: the caller's scope, its repositories and DataLoaders."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from hub.settings import Settings
from hub.store.catalog import (
    AssetRepository,
    ColumnCache,
    ColumnRepository,
    TenantDirectory,
    TenantRepository,
)
from hub.store.documents import AssetDoc, ColumnDoc, TenantDoc, TenantDocument
from hub.store.published import TenantView
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

D = TypeVar("D", bound=TenantDocument)
N = TypeVar("N")
ASSET = "asset"  # the kind of assets in a TenantView


def _batch_loader(repo: TenantRepository[D]) -> DataLoader[str, D | None]:
    async def load(ids: list[str]) -> list[D | None]:
        found = await repo.get_many(ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _asset_loader(
    repo: AssetRepository, view: TenantView | None
) -> DataLoader[str, AssetDoc | None]:
    """Assets by id; for anonymous readers through the remembered read model (the covers
    of published stories, hub/store/published.py), noted at the request's generation."""
    if view is None:
        return _batch_loader(repo)

    async def load(ids: list[str]) -> list[AssetDoc | None]:
        found = {i: doc for i in ids if (doc := view.get(ASSET, i)) is not None}
        missing = [i for i in ids if i not in found]
        if missing:
            loaded = await repo.get_many(missing)
            view.put(ASSET, loaded.values())
            found.update(loaded)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _column_loader(
    repo: ColumnRepository, cache: ColumnCache | None
) -> DataLoader[str, ColumnDoc | None]:
    if cache is None:
        return _batch_loader(repo)

    async def load(ids: list[str]) -> list[ColumnDoc | None]:
        found = await cache.get_many(repo, ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


@dataclass
class Context:
    scope: Scope
    settings: Settings
    services: Any = None  # the app's state: distribution engine, search, media ...
    auth: Any = None  # hub.identity.state.AuthState of the running hub (None outside one)
    stories: StoryRepository = field(init=False)
    columns: ColumnRepository = field(init=False)
    assets: AssetRepository = field(init=False)
    column_loader: DataLoader[str, ColumnDoc | None] = field(init=False)
    asset_loader: DataLoader[str, AssetDoc | None] = field(init=False)
    tenant_loader: DataLoader[str, TenantDoc | None] = field(
        init=False
    )  # the caller's center (site pattern)
    # anonymous readers: the remembered published read model (hub/store/published.py)
    published_view: TenantView | None = field(init=False)
    _column_cache: ColumnCache | None = field(init=False, repr=False)

    def known_column(self, column_id: str) -> ColumnDoc | None:
        """The column if the process has it at hand (no store read, no await)."""
        cache = self._column_cache
        return cache.known(self.scope.tenant, column_id) if cache is not None else None

    def known_asset(self, asset_id: str) -> AssetDoc | None:
        """For anonymous readers, the asset if the process remembers it (no await)."""
        view = self.published_view
        return view.get(ASSET, asset_id) if view is not None else None

    def node(self, kind: str, doc: Any, build: Callable[[Any], N]) -> N:
        """`build(doc)`: for anonymous readers built once per remembered document."""
        view = self.published_view
        return build(doc) if view is None else view.node(kind, doc, build)

    def companion(self, owner: Any, key: Hashable, build: Callable[[], N]) -> N:
        """`build()`: for anonymous readers built once per `key` for a remembered object."""
        view = self.published_view
        return build() if view is None else view.companion(owner, key, build)

    def __post_init__(self) -> None:
        published = getattr(self.services, "published_cache", None)
        self.stories = StoryRepository(self.scope, self.settings.max_body_chars, published)
        self.columns = ColumnRepository(self.scope)
        self.assets = AssetRepository(self.scope)
        # the app's in-process column cache when running in one (hub/store/catalog.py)
        self._column_cache = getattr(self.services, "column_cache", None)
        self.column_loader = _column_loader(self.columns, self._column_cache)
        view = (
            published.for_tenant(self.scope.tenant)
            if published and self.scope.public_only
            else None
        )
        self.published_view = view
        self.asset_loader = _asset_loader(self.assets, view)
        self.tenant_loader = _batch_loader(TenantDirectory(self.scope))
