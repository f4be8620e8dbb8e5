"""The story repository: every read and write of stories and their revisions.

The tenant (and, for anonymous readers, the published-only rule) is added here to
every query, so no resolver can forget it. Every write is one compare-and-set on the
head's `version` that also appends its event to the head's outbox (atomic: one
document); the revision snapshot follows, and a crash between the two is healed from
the head, which holds the same content (`ensure_head_revision`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub import siblings
from hub.audit.log import record_story, story_audit
from hub.domain import release
from hub.domain.permissions import Reach, story_visibility, write_reach
from hub.domain.story import StoryContent, StoryStatus, StoryType, build_content
from hub.editing.guard import check_lock, check_unlocked, edit_lock
from hub.errors import Codes, HubError, invalid
from hub.events import bus
from hub.ids import new_id, now_ms
from hub.jobs import wakeup
from hub.media.assets import AssetStore
from hub.store import cursor as cursors
from hub.store.after_commit import after_commit
from hub.store.bulk import insert_joined
from hub.store.coalesce import find_by_id, find_by_ids
from hub.store.documents import CounterDoc, OutboxEntry, PublishedStoryDoc, RevisionDoc, StoryDoc
from hub.store.published import START, Position, PublishedCache, TenantView
from hub.store.scope import Scope
from hub.workflow.review import status_after_edit

ORDER_KEYS = {"updated_at", "published_at"}

EVENT_CREATED = "story.created"
EVENT_UPDATED = "story.updated"  # content changed: a new revision
EVENT_STATUS = "story.status"  # state changed (data: from, to)
EVENT_TAKEDOWN = "story.takedown"  # 撤稿 requested (data: reason)
EVENT_EMBARGO = (
    "story.embargo"  # 禁发期 moved after hand-over (data: embargo_until); sends re-check it
)


@dataclass(frozen=True)
class StoryFilter:
    column_id: str | None = None
    type: StoryType | None = None
    status: StoryStatus | None = None
    tag: str | None = None
    since: int | None = None  # ms, inclusive, on the order key
    until: int | None = None  # ms, exclusive
    created_by: str | None = None  # the author's actor id (我的稿件)


@dataclass(frozen=True)
class Page:
    items: list[StoryDoc]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def _not_found(story_id: str) -> HubError:
    return HubError(Codes.NOT_FOUND, what_zh="稿件", what_en="story", id=story_id)


STORY = "story"  # the kind of the published read model's stories in a TenantView
#: An anonymous page the process cannot answer from memory reads this many pages more
#: of its list, remembered for the pages that follow (hub/store/published.py).
READ_AHEAD_PAGES = 2


def read_model_counter_id(tenant: str) -> str:
    return f"{tenant}:read-model"


class StoryRepository:
    def __init__(
        self,
        scope: Scope,
        max_body_chars: int = 200_000,
        published: PublishedCache | None = None,
    ) -> None:
        self.scope = scope
        self.max_body_chars = max_body_chars
        # the process's remembered read model (hub/store/published.py): anonymous reads only
        self.published = published if scope.public_only else None

    # ---- reads -------------------------------------------------------------------
    def _base(self) -> dict[str, Any]:
        q: dict[str, Any] = {"tenant": self.scope.tenant}
        if self.scope.public_only:
            q["status"] = StoryStatus.PUBLISHED.value
            return q
        # Below tenant-wide roles, unpublished stories are visible by account or author.
        vis = story_visibility(self.scope.principal)
        published = {"status": StoryStatus.PUBLISHED.value}
        if vis.reach == Reach.ACCOUNTS:
            q["$or"] = [published, {"account_id": {"$in": sorted(vis.account_ids)}}]
        elif vis.reach == Reach.OWN:
            q["$or"] = [published, {"created_by": self.scope.actor}]
        elif vis.reach == Reach.NONE:
            q.update(published)
        return q

    def _check_reach(self, doc: StoryDoc) -> None:
        """Refuse a write to a story outside the caller's accounts or authorship."""
        reach = write_reach(self.scope.principal)
        if reach.reach == Reach.ALL:
            return
        if reach.reach == Reach.ACCOUNTS and doc.account_id in reach.account_ids:
            return
        if reach.reach == Reach.OWN and doc.created_by == self.scope.actor:
            return
        raise HubError(
            Codes.FORBIDDEN,
            reason_zh="这篇稿件不属于你所在的融媒号或不是你创建的",
            reason_en="the story belongs to another account or author",
        )

    @property
    def _coll(self) -> AsyncCollection[Any]:
        return StoryDoc.get_pymongo_collection()

    @property
    def _model(self) -> type[StoryDoc]:
        """Anonymous readers read the public read model; the newsroom reads the heads."""
        return PublishedStoryDoc if self.scope.public_only else StoryDoc

    def _indexed_base(self) -> dict[str, Any]:
        """`_base` with `$eq` equalities: the embedded store then reads its indexes instead of
        testing every candidate for array elements (hub/store/cursor.py). Not for `$in` on
        `_id`: beside `$eq` equalities it picks a worse index (20 ids: 95 ms against 7 ms)."""
        return {
            k: cursors.eq(v) if k in ("tenant", "status") else v for k, v in self._base().items()
        }

    async def get(self, story_id: str) -> StoryDoc | None:
        # with the visibility `$or` beside `_id` the embedded store scans all (1.3 s), so
        # that rule is checked on the one document found instead (`_visible`, the same rule)
        view = self._view()
        if view is not None and (known := view.get(STORY, story_id)) is not None:
            return known
        q = self._base()
        limited = q.pop("$or", None) is not None
        # joined with other requests' reads of the same filter (hub/store/coalesce.py): an
        # `$in` with plain equalities, 0.2 ms an id at 10,000 stories
        doc: StoryDoc | None = await find_by_id(self._model, q, story_id)
        if doc is not None and limited and not self._visible(doc):
            return None
        if doc is not None and view is not None:
            view.put(STORY, [doc])
        return doc

    def _view(self) -> TenantView | None:
        """The remembered published read model at the generation known now (anonymous
        readers in a running hub), noted before the store is read."""
        return self.published.for_tenant(self.scope.tenant) if self.published else None

    def _visible(self, doc: StoryDoc) -> bool:
        """The `$or` of `_base` for one document: published, or within the caller's reach."""
        if doc.status == StoryStatus.PUBLISHED:
            return True
        vis = story_visibility(self.scope.principal)
        if vis.reach == Reach.ACCOUNTS:
            return doc.account_id in vis.account_ids
        if vis.reach == Reach.OWN:
            return doc.created_by == self.scope.actor
        return vis.reach == Reach.ALL

    async def require(self, story_id: str) -> StoryDoc:
        doc = await self.get(story_id)
        if doc is None:
            raise _not_found(story_id)
        return doc

    async def get_many(self, ids: list[str]) -> dict[str, StoryDoc]:
        if not ids:
            # `_id: {$in: []}` reads the whole tenant on the embedded store (a search
            # finding nothing cost 2.5 s of store CPU at 100k stories): no find at all
            return {}
        # plain equalities beside `$in` (hub/store/cursor.py), and the visibility `$or` checked
        # here as in `get`: beside it the embedded store reads the whole tenant
        q = self._base()
        limited = q.pop("$or", None) is not None
        # joined with other requests' reads of the same filter (hub/store/coalesce.py): the
        # search results of concurrent searches go as one `$in` find
        docs = await find_by_ids(self._model, q, ids)
        return {i: d for i, d in docs.items() if not limited or self._visible(d)}

    async def page(
        self,
        flt: StoryFilter,
        first: int,
        after: str | None,
        order: str = "updated_at",
        before: str | None = None,
        backward: bool = False,
    ) -> Page:
        """A page of `first` after `after`; `backward` (Relay's `last`/`before`): the `first`
        right before `before` (the last ones without it), in the same newest-first order."""
        if order not in ORDER_KEYS:
            raise ValueError(order)
        backward = backward or before is not None
        # `$eq` equalities keep the embedded store on the compound indexes (hub/store/cursor.py)
        q = self._indexed_base()
        if flt.column_id is not None:
            q["column_id"] = cursors.eq(flt.column_id)
        if flt.type is not None:
            q["type"] = cursors.eq(flt.type.value)
        if flt.status is not None:
            if q.get("status", cursors.eq(flt.status.value)) != cursors.eq(flt.status.value):
                # the caller may only see published ones
                return Page([], [], before is not None, after is not None)
            q["status"] = cursors.eq(flt.status.value)
        if flt.created_by is not None:
            q["created_by"] = cursors.eq(flt.created_by)
        if flt.tag is not None:
            q["tags"] = {"$all": [flt.tag]}  # plain equality on an indexed array fails on nx-27017
        window: dict[str, int] = {"$gt": 0} if order == "published_at" else {}
        if flt.since is not None:
            window["$gte"] = flt.since
        if flt.until is not None:
            window["$lt"] = flt.until
        if window:
            q[order] = window
        alternatives = q.pop("$or", None)
        cursor = before if backward else after
        view = self._view() if alternatives is None and not backward else None
        if view is not None:
            docs = await self._remembered_page(view, (flt, order), q, order, after, first + 1)
        elif alternatives is None:
            read = cursors.page_before if backward else cursors.page_after
            docs = await read(self._model, q, order, cursor, first + 1)
        else:
            docs = await self._page_of_alternatives(
                q, alternatives, order, cursor, first + 1, backward
            )
        more = len(docs) > first
        # backward, the extra one (farthest from the cursor: the newest) comes first
        docs = docs[max(0, len(docs) - first) :] if backward else docs[:first]
        return Page(
            items=docs,
            cursors=[cursors.encode(order, getattr(d, order), d.id) for d in docs],
            has_next=before is not None if backward else more,
            has_previous=more if backward else after is not None,
        )

    async def _remembered_page(
        self,
        view: TenantView,
        lst: tuple[StoryFilter, str],
        q: dict[str, Any],
        order: str,
        after: str | None,
        limit: int,
    ) -> list[StoryDoc]:
        """`page_after` through the remembered read model (hub/store/published.py): the
        known part of the page from memory, the rest (if any) from the store, after the
        last known position; what the store returns is remembered."""
        start: Position = START if after is None else cursors.decode(after, order)
        known, ended = view.walk(lst, start, limit)
        docs: dict[str, StoryDoc] = {}
        missing = []
        for _, story_id in known:
            doc = view.get(STORY, story_id)
            if doc is None:
                missing.append(story_id)
            else:
                docs[story_id] = doc
        if missing:  # forgotten (the view's documents are bounded): by id, with other reads
            found = await find_by_ids(self._model, self._base(), missing)
            view.put(STORY, found.values())
            docs.update(found)
        page = [docs[i] for _, i in known if i in docs]
        if len(page) < len(known):  # gone since (a change the generation has not shown yet)
            return await cursors.page_after(self._model, q, order, after, limit)
        if ended or len(page) == limit:
            return page
        resume = known[-1] if known else start
        cursor = None if resume == START else cursors.encode(order, *resume)
        # read ahead: the next pages of the list come from memory then (one round trip
        # instead of one per page; every document read costs the store about the same)
        wanted = limit - len(page) + READ_AHEAD_PAGES * limit
        rest = await cursors.page_after(self._model, q, order, cursor, wanted)
        view.put(STORY, rest)
        view.learn(lst, resume, [(getattr(d, order), d.id) for d in rest], wanted)
        return page + rest[: limit - len(page)]

    async def count(self, flt: StoryFilter, order: str) -> int | None:
        """How many stories the list of `flt` holds, where one index-served count answers
        it: not below tenant-wide roles (their visibility rule would need a count per part
        and the overlap of the parts)."""
        q = self._indexed_base()
        if "$or" in q:
            return None
        for name, value in (
            ("column_id", flt.column_id),
            ("type", flt.type),
            ("status", flt.status),
        ):
            if value is not None:
                wanted = cursors.eq(getattr(value, "value", value))
                if name == "status" and q.get("status", wanted) != wanted:
                    return 0
                q[name] = wanted
        if flt.tag is not None:
            q["tags"] = {"$all": [flt.tag]}
        window: dict[str, int] = {"$gt": 0} if order == "published_at" else {}
        if flt.since is not None:
            window["$gte"] = flt.since
        if flt.until is not None:
            window["$lt"] = flt.until
        if window:
            q[order] = window
        return await self._model.get_pymongo_collection().count_documents(q)

    async def _page_of_alternatives(
        self,
        q: dict[str, Any],
        alternatives: list[dict[str, Any]],
        order: str,
        after: str | None,
        limit: int,
        backward: bool = False,
    ) -> list[StoryDoc]:
        """A page of `q` AND any of `alternatives` (the visibility `$or` of `_base`).

        Beside an `$or` the embedded store reads every story of the tenant (1.1-1.3 s at
        10,000): each alternative is paged on its own index instead ((tenant, created_by |
        account_id, updated_at); an account list is one equality per account) and the
        pages are merged. Each holds the first `limit` of its part after the cursor, so
        the first `limit` of their union are the page."""
        branches: list[dict[str, Any]] = []
        for alt in alternatives:
            for part in _equalities(alt):
                branch = dict(q)
                if all(
                    branch.setdefault(k, v) == v for k, v in part.items()
                ):  # else: contradicts the filter
                    branches.append(branch)
        found: dict[str, StoryDoc] = {}
        read = cursors.page_before if backward else cursors.page_after
        for branch in branches:
            for doc in await read(self._model, branch, order, after, limit):
                found[doc.id] = doc
        ranked = sorted(found.values(), key=lambda d: (getattr(d, order), d.id), reverse=True)
        # backward: the `limit` nearest the cursor are the last ones of the union
        return ranked[-limit:] if backward else ranked[:limit]

    # ---- revisions ---------------------------------------------------------------
    async def revisions(self, story_id: str) -> list[RevisionDoc]:
        self._require_writer()  # revision history is newsroom-only
        story = await self.require(story_id)
        await self.ensure_head_revision(story)
        return (
            await RevisionDoc.find({"tenant": self.scope.tenant, "story_id": story_id})
            .sort([("number", SortDirection.DESCENDING)])
            .to_list()
        )

    async def revision(self, story_id: str, number: int) -> RevisionDoc:
        self._require_writer()
        story = await self.require(story_id)
        if number == story.revision:
            await self.ensure_head_revision(story)
        rev = await RevisionDoc.find_one(
            {"tenant": self.scope.tenant, "_id": RevisionDoc.make_id(story_id, number)}
        )
        if rev is None:
            raise HubError(
                Codes.NOT_FOUND,
                what_zh=f"稿件 {story_id} 的版本",
                what_en="revision",
                id=str(number),
            )
        return rev

    async def ensure_head_revision(self, story: StoryDoc, restored_from: int | None = None) -> None:
        """Write the head's snapshot if it is missing (idempotent)."""
        rev = RevisionDoc(
            id=RevisionDoc.make_id(story.id, story.revision),
            tenant=story.tenant,
            story_id=story.id,
            number=story.revision,
            content=story.content(),
            content_hash=story.content_hash,
            created_at=story.updated_at,
            author=story.updated_by,
            restored_from=restored_from,
        )
        with contextlib.suppress(DuplicateKeyError):
            await insert_joined(rev)  # with other requests' revisions (hub/store/bulk.py)

    # ---- writes ------------------------------------------------------------------
    def _require_writer(self) -> str:
        if self.scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)
        assert self.scope.actor is not None
        return self.scope.actor

    async def create(self, fields: dict[str, Any], story_id: str | None = None) -> StoryDoc:
        """A new story (id `story_id`, given by an idempotent create, or a new one); a
        story with that id already there raises DuplicateKeyError before anything else
        is written."""
        actor = self._require_writer()
        content = build_content(fields, self.max_body_chars)
        now = now_ms()
        reach = write_reach(self.scope.principal)
        if reach.reach == Reach.NONE:
            raise HubError(
                Codes.FORBIDDEN,
                reason_zh="你没有撰写稿件的权限",
                reason_en="you may not write stories",
            )
        account_id = min(reach.account_ids) if reach.reach == Reach.ACCOUNTS else None
        story_id = story_id or new_id()
        created = OutboxEntry(
            kind=EVENT_CREATED,
            version=1,
            revision=1,
            audit=story_audit(
                actor, "story.create", story_id, 1, StoryStatus.DRAFT, content.content_hash()
            ),
        )
        doc = StoryDoc(
            id=story_id,
            account_id=account_id,
            tenant=self.scope.tenant,
            version=1,
            revision=1,
            outbox=_outbox(created),
            has_outbox=True,
            content_hash=content.content_hash(),
            created_at=now,
            updated_at=now,
            created_by=actor,
            updated_by=actor,
            **_content_fields(content),
        )
        await insert_joined(doc)  # with other requests' new stories (hub/store/bulk.py)
        wakeup.notify()
        # after the commit, side by side (none needs another, none raises): the revision is
        # healed from the head when read (`ensure_head_revision`), asset references from the
        # stories themselves (`AssetStore.users`), the audit entry from the outbox event
        # (hub/audit/recover.py); the announcement is best effort
        await asyncio.gather(
            after_commit("story.revision", self.ensure_head_revision(doc), story=doc.id),
            after_commit(
                "story.assets",
                AssetStore(self.scope).attach(doc.id, used_assets(doc)),
                story=doc.id,
            ),
            record_story(self.scope.tenant, created),
            _announce(self.scope.tenant, actor, "story.create", doc),
        )
        return doc

    async def update(
        self, story_id: str, expected_version: int, changes: dict[str, Any]
    ) -> StoryDoc:
        """Apply `changes` (only the fields given) if the story is still at `expected_version`."""
        self._require_writer()
        # the head and its edit lock (hub/editing) read together, each joined with other
        # requests' reads of its collection (hub/store/coalesce.py)
        current, lock = await asyncio.gather(
            self._require_current(story_id), edit_lock(self.scope, story_id)
        )
        self._check_version(current, expected_version)
        check_lock(self.scope, lock)
        content = self._changed_content(current, changes)
        return await self._save(current, content, restored_from=None, action="story.update")

    def _changed_content(self, current: StoryDoc, changes: dict[str, Any]) -> StoryContent:
        merged = current.content().model_dump()
        if "body_text" in changes:
            merged.pop("body", None)
        merged.update(changes)
        untouched_body = "body" not in changes and "body_text" not in changes
        return build_content(merged, self.max_body_chars, stored_body=untouched_body)

    async def preview_update(self, story_id: str, changes: dict[str, Any]) -> RevisionDoc:
        """The revision `update(story_id, ..., changes)` would make, not stored: what a
        correction approved at once is checked against before anything is written."""
        actor = self._require_writer()
        current = await self._require_any(story_id)
        content = self._changed_content(current, changes)
        return RevisionDoc(
            id=RevisionDoc.make_id(story_id, current.revision + 1),
            tenant=current.tenant,
            story_id=story_id,
            number=current.revision + 1,
            content=content,
            content_hash=content.content_hash(),
            created_at=now_ms(),
            author=actor,
        )

    async def restore(self, story_id: str, number: int, expected_version: int) -> StoryDoc:
        """Make an old revision's content the new head (a new revision; history is kept)."""
        self._require_writer()
        current = await self._require_any(story_id)
        self._check_version(current, expected_version)
        await check_unlocked(self.scope, story_id)  # edit lock (hub/editing)
        old = await self.revision(story_id, number)
        return await self._save(current, old.content, restored_from=number, action="story.restore")

    async def set_status(
        self,
        story_id: str,
        expected_version: int,
        status: StoryStatus,
        data: dict[str, Any] | None = None,
    ) -> StoryDoc:
        """Change the state only (no new content revision), with the same version check.

        `data` is added to the outbox event (e.g. the approved revision and its plan). An
        approval (签发) records what each channel may now receive (`release`) in the same
        write; approving again the revision already approved (and not taken down) for its
        whole plan, while it is approved or published, changes nothing (no new version,
        no event): see docs/distribution.md."""
        current = await self._require_any(story_id)
        fields: dict[str, Any] = {"status": status.value}
        if status == StoryStatus.APPROVED:
            data = data or {}
            urgent = bool(data.get("urgent"))
            channels = list(data.get("only_channels") or ()) if urgent else list(current.channels)
            if (
                not urgent
                and current.status in (StoryStatus.APPROVED, StoryStatus.PUBLISHED)
                and release.unchanged_approval(current.release, current.revision, channels)
            ):
                self._check_version(current, expected_version)
                return current
            embargo = data.get("embargo_until")
            fields.update(
                release.approval_fields(
                    channels=channels,
                    revision=current.revision,
                    version=expected_version + 1,
                    embargo_until=int(embargo) if embargo else None,
                )
            )
        if status == StoryStatus.PUBLISHED and current.published_at is None:
            fields["published_at"] = now_ms()
        doc = await self._emit(
            current,
            expected_version,
            EVENT_STATUS,
            {"from": current.status.value, "to": status.value, **(data or {})},
            fields,
            audit_action=f"story.status.{status.value}",
        )
        await _announce(self.scope.tenant, self.scope.actor, f"story.status.{status.value}", doc)
        return doc

    async def request_takedown(self, story_id: str, expected_version: int, reason: str) -> StoryDoc:
        """撤稿: ask every channel the story reached to take it down (an event, not a state:
        the story becomes `retracted` when the app channel has unpublished it)."""
        if not reason.strip():
            raise invalid("reason", "撤稿必须填写原因", "a takedown needs a reason")
        current = await self._require_any(story_id)
        # recorded with the event: from now on no send of an earlier approval goes out
        withdrawn = release.takedown_fields(expected_version + 1)
        doc = await self._emit(
            current,
            expected_version,
            EVENT_TAKEDOWN,
            {"reason": reason},
            withdrawn,
            audit_action="story.takedown",
        )
        await _announce(self.scope.tenant, self.scope.actor, "story.takedown", doc)
        return doc

    async def move_embargo(self, story_id: str, until: int | None) -> StoryDoc:
        """禁发期 moved (or lifted) after the approval was handed to distribution: every
        approval's embargo becomes `until`, so a send due under the old one waits again."""
        for _ in range(5):  # a concurrent change bumps the version: re-read and retry
            current = await self._require_any(story_id)
            try:
                return await self._emit(
                    current,
                    current.version,
                    EVENT_EMBARGO,
                    {"embargo_until": until},
                    release.embargo_fields(current.release, until),
                    audit_action="story.embargo.moved",
                )
            except HubError as exc:
                if exc.code != Codes.VERSION_CONFLICT.code:
                    raise
        raise HubError(Codes.VERSION_CONFLICT, current=current.version, expected=current.version)

    async def emit(
        self,
        story_id: str,
        expected_version: int,
        kind: str,
        data: dict[str, Any],
        fields: dict[str, Any],
        audit_action: str | None = None,
    ) -> StoryDoc:
        """A state change of another subsystem (e.g. the urgent broadcast path): `fields` set
        and the event appended in one compare-and-set on the version; with `audit_action`
        its audit entry is stored with it (see `_emit`)."""
        return await self._emit(
            await self._require_any(story_id), expected_version, kind, data, fields, audit_action
        )

    async def _emit(
        self,
        current: StoryDoc,
        expected_version: int,
        kind: str,
        data: dict[str, Any],
        fields: dict[str, Any],
        audit_action: str | None = None,
    ) -> StoryDoc:
        """One compare-and-set: apply `fields`, bump the version, append the event. With
        `audit_action`, the audit entry travels in the event and is appended right after
        (so a crash in between cannot lose it: hub/audit/recover.py)."""
        actor = self._require_writer()
        self._check_version(current, expected_version)
        status = StoryStatus(fields.get("status", current.status))
        audit = (
            story_audit(
                actor, audit_action, current.id, current.version + 1, status, current.content_hash
            )
            if audit_action
            else None
        )
        event = OutboxEntry(
            kind=kind,
            version=current.version + 1,
            revision=current.revision,
            data=data,
            audit=audit,
        )
        raw = await self._coll.find_one_and_update(
            {"_id": current.id, "tenant": self.scope.tenant, "version": expected_version},
            {
                "$set": {
                    **fields,
                    "updated_at": now_ms(),
                    "updated_by": actor,
                    "has_outbox": True,
                    f"outbox.{event.id}": event.model_dump(),
                },
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            await self._raise_conflict(current.id, expected_version)
        wakeup.notify()  # an event in the outbox: this process's idle workers relay it now
        if audit is not None:
            await record_story(self.scope.tenant, event)
        return StoryDoc.model_validate(raw)

    async def _save(
        self, current: StoryDoc, content: StoryContent, restored_from: int | None, action: str
    ) -> StoryDoc:
        actor = self.scope.actor
        new_hash = content.content_hash()
        # 三审: an edit during review or after approval sends the story back to review
        reenter = status_after_edit(current.status) if new_hash != current.content_hash else None
        event = OutboxEntry(
            kind=EVENT_UPDATED,
            version=current.version + 1,
            revision=current.revision + 1,
            data={
                **({"restored_from": restored_from} if restored_from else {}),
                **({"review_from": current.status.value} if reenter else {}),
            },
            audit=story_audit(
                actor,
                action,
                current.id,
                current.version + 1,
                StoryStatus(reenter or current.status),
                new_hash,
            ),
        )
        raw = await self._coll.find_one_and_update(
            {"_id": current.id, "tenant": self.scope.tenant, "version": current.version},
            {
                "$set": {
                    **content.model_dump(mode="json"),
                    **({"status": reenter} if reenter else {}),
                    "content_hash": new_hash,
                    "updated_at": now_ms(),
                    "updated_by": actor,
                    "has_outbox": True,
                    f"outbox.{event.id}": event.model_dump(),
                },
                "$inc": {"version": 1, "revision": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            await self._raise_conflict(current.id, current.version)
        wakeup.notify()
        doc = StoryDoc.model_validate(raw)
        # after the commit, side by side: healed later, as in `create`; then announced
        await asyncio.gather(
            record_story(self.scope.tenant, event),
            after_commit(
                "story.revision",
                self.ensure_head_revision(doc, restored_from=restored_from),
                story=doc.id,
            ),
            after_commit(
                "story.assets",
                AssetStore(self.scope).sync_story(doc.id, used_assets(current), used_assets(doc)),
                story=doc.id,
            ),
            _announce(self.scope.tenant, actor, action, doc),
        )
        return doc

    async def _require_current(self, story_id: str) -> StoryDoc:
        """`_require_any` read with other requests' reads of the tenant's stories by id (one
        `$in` find, sent after this read began: every committed write is seen). The
        document may be shared with those readers: read it, never change it."""
        doc: StoryDoc | None = await find_by_id(StoryDoc, {"tenant": self.scope.tenant}, story_id)
        if doc is None:
            raise _not_found(story_id)
        self._check_reach(doc)
        return doc

    async def _require_any(self, story_id: str) -> StoryDoc:
        doc = await StoryDoc.find_one({"tenant": self.scope.tenant, "_id": story_id})
        if doc is None:
            raise _not_found(story_id)
        self._check_reach(doc)
        return doc

    @staticmethod
    def _check_version(doc: StoryDoc, expected: int) -> None:
        if expected != doc.version:
            raise HubError(Codes.VERSION_CONFLICT, current=doc.version, expected=expected)

    async def _raise_conflict(self, story_id: str, expected: int) -> None:
        now = await self._require_any(story_id)
        raise HubError(Codes.VERSION_CONFLICT, current=now.version, expected=expected)

    async def bump_read_model(self) -> int:
        """Advance the tenant's published-content generation: caches keyed on it go stale."""
        # The tenant goes in the filter, which an upsert copies into the new document:
        # nx-27017's find_one_and_update ignores $setOnInsert (tests/contract/test_quirks.py).
        raw = await CounterDoc.get_pymongo_collection().find_one_and_update(
            {"_id": read_model_counter_id(self.scope.tenant), "tenant": self.scope.tenant},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert raw is not None  # upsert with the document after: always returned
        siblings.announce(siblings.READ_MODEL)  # the other API workers' read caches
        return int(raw["value"])


def _equalities(alternative: dict[str, Any]) -> list[dict[str, Any]]:
    """One alternative of the visibility `$or` as index-friendly `$eq` filters: an `$in`
    list becomes one filter per value."""
    [(field, value)] = alternative.items()
    if isinstance(value, dict) and set(value) == {"$in"}:
        return [{field: cursors.eq(v)} for v in value["$in"]]
    return [{field: cursors.eq(value)}]


def _outbox(*events: OutboxEntry) -> dict[str, OutboxEntry]:
    return {e.id: e for e in events}


async def _announce(tenant: str, actor: str | None, action: str, doc: StoryDoc) -> None:
    """Tell live newsroom screens (GraphQL subscriptions, topic `story`) after the write."""
    await bus.publish(
        tenant,
        "story",
        action,
        doc.id,
        actor,
        {"version": doc.version, "revision": doc.revision, "status": doc.status.value},
    )


def used_assets(doc: StoryDoc) -> set[str]:
    """The assets a story uses: its cover and its asset list (each counted as a reference)."""
    return {*doc.asset_ids, *([doc.cover_asset_id] if doc.cover_asset_id else [])}


def _content_fields(content: StoryContent) -> dict[str, Any]:
    data = content.model_dump()
    data["tags"] = list(content.tags)
    data["asset_ids"] = list(content.asset_ids)
    return data


def check_page_size(first: int, limit: int, field: str = "first") -> None:
    if first < 0 or first > limit:
        raise invalid(field, f"每页条数须在 0 到 {limit} 之间", f"must be between 0 and {limit}")
