"""Leads, topics and assignments, stored: every read filters by the caller's tenant,
every change is validated by `rules` first and written as one compare-and-set on the
document's `version`, carrying its audit entry (actor) in the same write
(hub/audit/pending.py), which is appended right after; assignments are then announced
on the bus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.audit import pending
from hub.audit.writes import audited_update
from hub.domain.permissions import Action, permits
from hub.errors import Codes, HubError, invalid
from hub.identity.documents import UserDoc
from hub.ids import now_ms
from hub.planning.documents import AssignmentDoc, LeadDoc, TopicDoc
from hub.planning.errors import PlanningCodes
from hub.planning.rules import (
    OPEN_ASSIGNMENT,
    AssignmentStatus,
    LeadAction,
    LeadSource,
    LeadStatus,
    TopicAction,
    TopicEdit,
    TopicStatus,
    check_channels,
    check_linkable_leads,
    check_merge,
    may_edit_topic,
    move_lead,
    move_topic,
)
from hub.store import cursor as cursors
from hub.store.after_commit import after_commit
from hub.store.catalog import ColumnRepository
from hub.store.documents import TenantDocument
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted

D = TypeVar("D", bound=TenantDocument)
WHAT: dict[type[TenantDocument], tuple[str, str]] = {
    LeadDoc: ("线索", "lead"),
    TopicDoc: ("选题", "topic"),
    AssignmentDoc: ("派单", "assignment"),
}
MAX_TEXT = {
    "title": 200,
    "description": 10_000,
    "summary": 10_000,
    "note": 2_000,
    "contact": 200,
    "reason": 1_000,
    "external_id": 200,
}


@dataclass(frozen=True)
class Page(Generic[D]):
    items: list[D]
    cursors: list[str]
    has_next: bool


def clean_text(field: str, value: str | None, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field, "不能为空", "must not be empty")
    if len(text) > MAX_TEXT[field]:
        raise invalid(
            field,
            f"不能超过 {MAX_TEXT[field]} 个字符",
            f"must be at most {MAX_TEXT[field]} characters",
        )
    return text


def _not_found(model: type[TenantDocument], doc_id: str) -> HubError:
    zh, en = WHAT[model]
    return HubError(Codes.NOT_FOUND, what_zh=zh, what_en=en, id=doc_id)


class PlanningStore:
    """One caller's view of its center's planning. The tenant is added to every query here."""

    def __init__(self, scope: Scope, max_body_chars: int = 200_000) -> None:
        self.scope = scope
        self.max_body_chars = max_body_chars

    @property
    def tenant(self) -> str:
        return self.scope.tenant

    @property
    def actor(self) -> str | None:
        return self.scope.actor

    def _writer(self) -> str:
        if self.scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)
        return str(self.scope.actor)

    # ---- generic reads and writes --------------------------------------------------
    async def _get(self, model: type[D], doc_id: str) -> D | None:
        return await model.find_one({"tenant": self.tenant, "_id": doc_id})

    async def _require(self, model: type[D], doc_id: str) -> D:
        doc = await self._get(model, doc_id)
        if doc is None:
            raise _not_found(model, doc_id)
        return doc

    async def _many(self, model: type[D], ids: Iterable[str]) -> dict[str, D]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        docs = await model.find({"tenant": self.tenant, "_id": {"$in": wanted}}).to_list()
        return {d.id: d for d in docs}

    async def _cas(self, doc: D, fields: dict[str, Any], entry: pending.Pending | None = None) -> D:
        """Set `fields` if nobody changed `doc` since it was read; PLANNING_CONFLICT otherwise.
        `entry` (the change's audit entry) is stored with them; then `_settle` it."""
        model = type(doc)
        stored = await audited_update(
            model,
            self.tenant,
            {"_id": doc.id, "version": doc.version},
            {"$set": {**fields, "updated_at": now_ms()}, "$inc": {"version": 1}},
            entry,
        )
        if stored is None:
            zh, en = WHAT[model]
            raise HubError(PlanningCodes.CONFLICT, what_zh=zh, what_en=en)
        return stored

    async def _page(
        self, model: type[D], q: dict[str, Any], key: str, first: int, after: str | None
    ) -> Page[D]:
        """Newest first on (`key`, _id), with opaque cursors."""
        q = {"tenant": self.tenant, **q}
        if after:
            value, doc_id = cursors.decode(after, key)
            q = {"$and": [q, cursors.after_filter(key, value, doc_id)]}
        docs = (
            await model.find(q)
            .sort([(key, SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)])
            .limit(first + 1)
            .to_list()
        )
        page = docs[:first]
        return Page(
            page, [cursors.encode(key, getattr(d, key), d.id) for d in page], len(docs) > first
        )

    async def _entry(
        self, action: str, target_type: str, target_id: str, details: dict[str, Any]
    ) -> pending.Pending:
        """The audit entry a change carries in its write (`_cas`, or `on_doc` for an insert)."""
        return await pending.prepare(
            self.tenant, self.actor, action, target_type, target_id, details
        )

    async def _settle(self, doc: TenantDocument, entry: pending.Pending) -> None:
        """After the write: append the carried entry, then take it off the document."""
        await pending.settle(type(doc), doc.id, entry)

    @staticmethod
    def _settled(doc: D, entry: pending.Pending) -> D:
        """The returned document as stored after `_settle` (the entry taken off)."""
        return pending.without(doc, entry)

    # ---- 线索 leads ------------------------------------------------------------------
    async def lead(self, lead_id: str) -> LeadDoc | None:
        return await self._get(LeadDoc, lead_id)

    async def leads_by_id(self, ids: Iterable[str]) -> dict[str, LeadDoc]:
        return await self._many(LeadDoc, ids)

    async def leads(
        self,
        first: int,
        after: str | None,
        status: LeadStatus | None = None,
        source: LeadSource | None = None,
    ) -> Page[LeadDoc]:
        q: dict[str, Any] = {}
        if status is not None:
            q["status"] = status.value
        if source is not None:
            q["source"] = source.value
        return await self._page(LeadDoc, q, "received_at", first, after)

    async def create_lead(
        self,
        title: str,
        description: str | None,
        source: LeadSource,
        contact: str | None,
        received_at: int | None,
        external_id: str | None = None,
        lead_id: str | None = None,
    ) -> LeadDoc:
        """Record a tip. With `external_id` (the submitting system's own id for it: the
        app's 报料 number, a 舆情监测 alert id) sending it again returns the lead already
        recorded from that submitter instead of a second one. `lead_id` (an idempotent
        create's) is the id of a lead without `external_id`."""
        actor = self._writer()
        now = now_ms()
        external = clean_text("external_id", external_id) or None
        doc = LeadDoc(
            tenant=self.tenant,
            title=clean_text("title", title, required=True),
            description=clean_text("description", description),
            source=source,
            contact=clean_text("contact", contact) or None,
            received_at=received_at or now,
            created_by=actor,
            updated_at=now,
            external_id=external,
        )
        if lead_id is not None:
            doc.id = lead_id
        if external is not None:  # the id is derived from (tenant, submitter, external id)
            digest = hashlib.sha256(f"{self.tenant}\x00{actor}\x00{external}".encode()).hexdigest()
            doc.id = "lx" + digest[:30]
        entry = await self._entry(
            "lead.create",
            "lead",
            doc.id,
            {"source": source.value, **({"external_id": external} if external else {})},
        )
        try:
            await entry.on_doc(doc).insert()
        except DuplicateKeyError:
            known = await self._get(LeadDoc, doc.id)
            if known is None:  # pragma: no cover - an id of another tenant cannot be derived
                raise
            return known
        await self._settle(doc, entry)
        return self._settled(doc, entry)

    async def accept_lead(self, lead_id: str) -> LeadDoc:
        return await self._triage(lead_id, LeadAction.ACCEPT, None)

    async def reject_lead(self, lead_id: str, reason: str | None) -> LeadDoc:
        return await self._triage(lead_id, LeadAction.REJECT, reason)

    async def _triage(self, lead_id: str, action: LeadAction, reason: str | None) -> LeadDoc:
        self._writer()
        doc = await self._require(LeadDoc, lead_id)
        new = move_lead(doc.status, action, clean_text("reason", reason))
        text = clean_text("reason", reason) or None
        entry = await self._entry(
            f"lead.{action.value}",
            "lead",
            lead_id,
            {"from": doc.status.value, "to": new.value, "reason": text},
        )
        stored = await self._cas(
            doc,
            {"status": new.value, "reason": text, "triaged_by": self.actor, "triaged_at": now_ms()},
            entry,
        )
        await self._settle(stored, entry)
        return self._settled(stored, entry)

    async def merge_lead(self, lead_id: str, into: str) -> tuple[LeadDoc, LeadDoc]:
        """合并: `lead_id` becomes merged into `into`; both keep the link."""
        self._writer()
        doc = await self._require(LeadDoc, lead_id)
        new = move_lead(doc.status, LeadAction.MERGE)
        target = await self._require(LeadDoc, into) if into != lead_id else doc
        check_merge(lead_id, into, target.status, target.merged_into)
        now = now_ms()
        coll = Tenanted(LeadDoc, self.tenant)
        # the target first, only while it is still open: a merge never points at a closed lead
        linked = await coll.find_one_and_update(
            {
                "_id": into,
                "status": {"$in": [LeadStatus.NEW.value, LeadStatus.ACCEPTED.value]},
            },
            {"$set": {f"merged_from.{lead_id}": now, "updated_at": now}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if linked is None:
            raise HubError(PlanningCodes.CONFLICT, what_zh="目标线索", what_en="target lead")
        # the merged lead's write decides the merge: it carries the audit entry
        entry = await self._entry(
            "lead.merge", "lead", lead_id, {"from": doc.status.value, "to": new.value, "into": into}
        )
        try:
            stored = await self._cas(
                doc,
                {
                    "status": new.value,
                    "merged_into": into,
                    "triaged_by": self.actor,
                    "triaged_at": now,
                },
                entry,
            )
        except HubError:
            await coll.update_one(
                {"_id": into, "tenant": self.tenant}, {"$unset": {f"merged_from.{lead_id}": ""}}
            )
            raise
        await self._settle(stored, entry)
        return self._settled(stored, entry), LeadDoc.model_validate(linked)

    # ---- 选题 topics -----------------------------------------------------------------
    async def topic(self, topic_id: str) -> TopicDoc | None:
        return await self._get(TopicDoc, topic_id)

    async def topics_by_id(self, ids: Iterable[str]) -> dict[str, TopicDoc]:
        return await self._many(TopicDoc, ids)

    async def topics(
        self, first: int, after: str | None, status: TopicStatus | None = None
    ) -> Page[TopicDoc]:
        return await self._page(
            TopicDoc, {"status": status.value} if status else {}, "created_at", first, after
        )

    async def propose_topic(
        self,
        title: str,
        summary: str | None,
        channels: Iterable[str],
        known_channels: Collection[str] | None,
        column_id: str | None,
        lead_ids: Iterable[str],
        topic_id: str | None = None,
    ) -> TopicDoc:
        """选题申报: validated in full (channels, column, accepted leads) before anything is written.
        With `topic_id` (an idempotent create's), a topic already there raises DuplicateKeyError."""
        actor = self._writer()
        planned = check_channels(channels, known_channels)
        await self._check_column(column_id)
        wanted = list(dict.fromkeys(lead_ids))
        await self._linkable(wanted)
        now = now_ms()
        doc = TopicDoc(
            tenant=self.tenant,
            title=clean_text("title", title, required=True),
            summary=clean_text("summary", summary),
            channels=planned,
            column_id=column_id or None,
            lead_ids=wanted,
            proposer=actor,
            created_at=now,
            updated_at=now,
        )
        if topic_id is not None:
            doc.id = topic_id
        entry = await self._entry(
            "topic.propose",
            "topic",
            doc.id,
            {"channels": planned, "column_id": doc.column_id, "lead_ids": wanted},
        )
        await entry.on_doc(doc).insert()  # the topic's insert decides it and carries the entry
        # the topic is stored and names its leads (the deciding write): the leads' mirror of
        # the link follows and cannot turn the stored topic into an error (it is logged)
        await after_commit(
            "topic.link_leads", self._link_leads_side(doc.id, wanted, now), topic=doc.id
        )
        await self._settle(doc, entry)
        return self._settled(doc, entry)

    async def decide_topic(
        self, topic_id: str, action: TopicAction, reason: str | None = None
    ) -> TopicDoc:
        """批准 / 否决 (reason) / 完成 / 撤销 (reason) a topic."""
        self._writer()
        doc = await self._require(TopicDoc, topic_id)
        open_count = 0
        if action in (TopicAction.COMPLETE, TopicAction.CANCEL):
            open_count = len(await self.assignments_of_topics([topic_id], OPEN_ASSIGNMENT))
        new = move_topic(doc.status, action, reason, open_count)
        now = now_ms()
        fields: dict[str, Any] = {"status": new.value}
        if text := clean_text("reason", reason):
            fields["reason"] = text
        if action in (TopicAction.APPROVE, TopicAction.REJECT):
            fields.update(decided_by=self.actor, decided_at=now)
        else:
            fields.update(closed_by=self.actor, closed_at=now)
        entry = await self._entry(
            f"topic.{action.value}",
            "topic",
            topic_id,
            {"from": doc.status.value, "to": new.value, "reason": fields.get("reason")},
        )
        stored = await self._cas(doc, fields, entry)
        await self._settle(stored, entry)
        return self._settled(stored, entry)

    # ---- changes to an open topic: edits, linked leads ------------------------------
    def _approver(self) -> bool:
        return permits(self.scope.principal, Action.TOPIC_APPROVE)

    async def _check_column(self, column_id: str | None) -> None:
        if column_id and await ColumnRepository(self.scope).get(column_id) is None:
            raise HubError(PlanningCodes.UNKNOWN_COLUMN, column=column_id)

    async def _linkable(self, lead_ids: list[str]) -> None:
        """Every lead is an accepted lead of this center (rules.check_linkable_leads)."""
        found = await self.leads_by_id(lead_ids)
        check_linkable_leads(
            {i: found[i].status if i in found else None for i in lead_ids},
            {i: d.merged_into for i, d in found.items()},
        )

    async def _link_leads_side(self, topic_id: str, lead_ids: list[str], now: int) -> None:
        """The leads' side of a link: `topic_ids.<topic>` on each (a $set of its own key, so
        links to other topics made meanwhile never conflict with it)."""
        if lead_ids:
            await Tenanted(LeadDoc, self.tenant).update_many(
                {"_id": {"$in": lead_ids}},
                {"$set": {f"topic_ids.{topic_id}": now, "updated_at": now}, "$inc": {"version": 1}},
            )

    async def _open_topic(
        self, topic_id: str, edit: TopicEdit, expected_version: int | None
    ) -> TopicDoc:
        """The topic, if the caller may `edit` it now and (if given) it is still at
        `expected_version`."""
        actor = self._writer()
        doc = await self._require(TopicDoc, topic_id)
        may_edit_topic(edit, doc.status, doc.title, actor, doc.proposer, self._approver())
        if expected_version is not None and expected_version != doc.version:
            raise HubError(PlanningCodes.CONFLICT, what_zh="选题", what_en="topic")
        return doc

    async def update_topic(
        self,
        topic_id: str,
        expected_version: int,
        changes: dict[str, Any],
        known_channels: Collection[str] | None,
    ) -> TopicDoc:
        """修改选题 while it is open: `changes` holds the given ones of title, summary,
        channels, column_id (None clears summary and column). Audited with before and after."""
        doc = await self._open_topic(topic_id, TopicEdit.UPDATE, expected_version)
        wanted: dict[str, Any] = {}
        if "title" in changes:
            wanted["title"] = clean_text("title", changes["title"], required=True)
        if "summary" in changes:
            wanted["summary"] = clean_text("summary", changes["summary"])
        if "channels" in changes:
            wanted["channels"] = check_channels(changes["channels"] or [], known_channels)
        if "column_id" in changes:
            wanted["column_id"] = changes["column_id"] or None
            if wanted["column_id"] != doc.column_id:
                await self._check_column(wanted["column_id"])
        fields = {k: v for k, v in wanted.items() if getattr(doc, k) != v}
        if not fields:
            return doc  # nothing changes: no new version, no audit entry
        entry = await self._entry(
            "topic.update",
            "topic",
            topic_id,
            {
                "status": doc.status.value,
                "version": doc.version + 1,
                "changes": {k: {"from": getattr(doc, k), "to": v} for k, v in fields.items()},
            },
        )
        stored = await self._cas(doc, fields, entry)
        await self._settle(stored, entry)
        return self._settled(stored, entry)

    async def link_leads(
        self, topic_id: str, lead_ids: Iterable[str], expected_version: int | None = None
    ) -> TopicDoc:
        """关联线索: accepted leads join an open topic (both sides keep the link). Leads
        already linked are left as they are; if all are, nothing is written."""
        wanted = list(dict.fromkeys(str(i).strip() for i in lead_ids if str(i).strip()))
        if not wanted:
            raise invalid("leadIds", "请至少选择一条线索", "name at least one lead")
        doc = await self._open_topic(topic_id, TopicEdit.LINK_LEADS, expected_version)
        new = [i for i in wanted if i not in doc.lead_ids]
        if not new:
            return doc
        await self._linkable(new)
        linked = [*doc.lead_ids, *new]
        entry = await self._entry(
            "topic.leads_linked",
            "topic",
            topic_id,
            {"lead_ids": new, "linked": linked, "version": doc.version + 1},
        )
        stored = await self._cas(doc, {"lead_ids": linked}, entry)
        await after_commit(
            "topic.link_leads", self._link_leads_side(topic_id, new, now_ms()), topic=topic_id
        )
        await self._settle(stored, entry)
        return self._settled(stored, entry)

    async def unlink_lead(
        self, topic_id: str, lead_id: str, expected_version: int | None = None
    ) -> TopicDoc:
        """取消关联: the lead leaves the topic (both sides). A lead of the center that is not
        linked leaves nothing to do; an unknown id is NOT_FOUND."""
        doc = await self._open_topic(topic_id, TopicEdit.UNLINK_LEAD, expected_version)
        if lead_id not in doc.lead_ids:
            await self._require(LeadDoc, lead_id)
            return doc
        linked = [i for i in doc.lead_ids if i != lead_id]
        entry = await self._entry(
            "topic.lead_unlinked",
            "topic",
            topic_id,
            {"lead_id": lead_id, "linked": linked, "version": doc.version + 1},
        )
        stored = await self._cas(doc, {"lead_ids": linked}, entry)
        unlink = Tenanted(LeadDoc, self.tenant).update_one(
            {"_id": lead_id},
            {
                "$unset": {f"topic_ids.{topic_id}": ""},
                "$set": {"updated_at": now_ms()},
                "$inc": {"version": 1},
            },
        )
        await after_commit(
            "topic.unlink_lead", unlink, topic=topic_id, lead=lead_id
        )  # the lead's mirror, as in link
        await self._settle(stored, entry)
        return self._settled(stored, entry)

    # ---- 派单 assignments ------------------------------------------------------------
    async def assignment(self, assignment_id: str) -> AssignmentDoc | None:
        return await self._get(AssignmentDoc, assignment_id)

    async def assignments(
        self,
        first: int,
        after: str | None,
        topic_id: str | None = None,
        assignee: str | None = None,
        status: AssignmentStatus | None = None,
    ) -> Page[AssignmentDoc]:
        q: dict[str, Any] = {}
        if topic_id:
            q["topic_id"] = topic_id
        if assignee:
            q["assignees"] = {"$all": [assignee]}
        if status is not None:
            q["status"] = status.value
        return await self._page(AssignmentDoc, q, "created_at", first, after)

    async def assignments_of_topics(
        self, topic_ids: Iterable[str], statuses: Collection[AssignmentStatus] | None = None
    ) -> list[AssignmentDoc]:
        q: dict[str, Any] = {"tenant": self.tenant, "topic_id": {"$in": sorted(set(topic_ids))}}
        if statuses is not None:
            q["status"] = {"$in": sorted(s.value for s in statuses)}
        return (
            await AssignmentDoc.find(q)
            .sort([("created_at", SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)])
            .to_list()
        )

    async def assignments_for_stories(self, story_ids: Iterable[str]) -> dict[str, AssignmentDoc]:
        docs = await AssignmentDoc.find(
            {"tenant": self.tenant, "story_id": {"$in": sorted(set(story_ids))}}
        ).to_list()
        return {str(d.story_id): d for d in docs}

    async def users_by_id(self, ids: Iterable[str]) -> dict[str, UserDoc]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        return {
            d.id: d
            for d in await UserDoc.find({"tenant": self.tenant, "_id": {"$in": wanted}}).to_list()
        }
