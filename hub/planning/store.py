"""Leads, topics and assignments, stored: every read filters by the caller's tenant,
every change is validated by `rules` first and written as one compare-and-set on the
document's `version`, then audited (actor) and, for assignments, announced on the bus.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument

from hub.audit.log import append as audit
from hub.domain.permissions import Action, permits
from hub.errors import Codes, HubError, invalid
from hub.events.bus import publish
from hub.identity.documents import UserDoc
from hub.ids import new_id, now_ms
from hub.planning import overdue
from hub.planning.board import Board, build_board
from hub.planning.documents import AssignmentDoc, LeadDoc, TopicDoc
from hub.planning.errors import PlanningCodes
from hub.planning.rules import (
    OPEN_ASSIGNMENT,
    STAFFING_ASSIGNMENT,
    AssignmentAction,
    AssignmentKind,
    AssignmentStatus,
    HistoryEntry,
    LeadAction,
    LeadSource,
    LeadStatus,
    TopicAction,
    TopicStatus,
    check_assignees,
    check_channels,
    check_deadline,
    check_dispatchable,
    check_linkable_leads,
    check_merge,
    check_reassign,
    may_move,
    move_assignment,
    move_lead,
    move_topic,
)
from hub.store import cursor as cursors
from hub.store.catalog import ColumnRepository
from hub.store.documents import TenantDocument
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

D = TypeVar("D", bound=TenantDocument)
WHAT = {LeadDoc: ("线索", "lead"), TopicDoc: ("选题", "topic"), AssignmentDoc: ("派单", "assignment")}
MAX_TEXT = {"title": 200, "description": 10_000, "summary": 10_000, "note": 2_000, "contact": 200, "reason": 1_000}
#: The bus topic assignment changes are announced on.
BUS_TOPIC = "assignment"


@dataclass(frozen=True)
class Page(Generic[D]):
    items: list[D]
    cursors: list[str]
    has_next: bool


def _text(field: str, value: str | None, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field, "不能为空", "must not be empty")
    if len(text) > MAX_TEXT[field]:
        raise invalid(field, f"不能超过 {MAX_TEXT[field]} 个字符", f"must be at most {MAX_TEXT[field]} characters")
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

    async def _cas(self, doc: D, fields: dict[str, Any]) -> D:
        """Set `fields` if nobody changed `doc` since it was read; PLANNING_CONFLICT otherwise."""
        model = type(doc)
        raw = await model.get_pymongo_collection().find_one_and_update(
            {"_id": doc.id, "tenant": self.tenant, "version": doc.version},
            {"$set": {**fields, "updated_at": now_ms()}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            zh, en = WHAT[model]
            raise HubError(PlanningCodes.CONFLICT, what_zh=zh, what_en=en)
        return model.model_validate(raw)

    async def _page(self, model: type[D], q: dict[str, Any], key: str, first: int, after: str | None) -> Page[D]:
        """Newest first on (`key`, _id), with opaque cursors."""
        q = {"tenant": self.tenant, **q}
        if after:
            value, doc_id = cursors.decode(after, key)
            q = {"$and": [q, cursors.after_filter(key, value, doc_id)]}
        docs = await model.find(q).sort([(key, SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)]).limit(first + 1).to_list()
        page = docs[:first]
        return Page(page, [cursors.encode(key, getattr(d, key), d.id) for d in page], len(docs) > first)

    async def _audit(self, action: str, target_type: str, target_id: str, details: dict[str, Any]) -> None:
        await audit(self.tenant, self.actor, action, target_type, target_id, details)

    # ---- 线索 leads ------------------------------------------------------------------
    async def lead(self, lead_id: str) -> LeadDoc | None:
        return await self._get(LeadDoc, lead_id)

    async def leads_by_id(self, ids: Iterable[str]) -> dict[str, LeadDoc]:
        return await self._many(LeadDoc, ids)

    async def leads(
        self, first: int, after: str | None, status: LeadStatus | None = None, source: LeadSource | None = None
    ) -> Page[LeadDoc]:
        q: dict[str, Any] = {}
        if status is not None:
            q["status"] = status.value
        if source is not None:
            q["source"] = source.value
        return await self._page(LeadDoc, q, "received_at", first, after)

    async def create_lead(
        self, title: str, description: str | None, source: LeadSource, contact: str | None, received_at: int | None
    ) -> LeadDoc:
        actor = self._writer()
        now = now_ms()
        doc = LeadDoc(
            tenant=self.tenant, title=_text("title", title, required=True), description=_text("description", description),
            source=source, contact=_text("contact", contact) or None, received_at=received_at or now,
            created_by=actor, updated_at=now,
        )  # fmt: skip
        await doc.insert()
        await self._audit("lead.create", "lead", doc.id, {"source": source.value})
        return doc

    async def accept_lead(self, lead_id: str) -> LeadDoc:
        return await self._triage(lead_id, LeadAction.ACCEPT, None)

    async def reject_lead(self, lead_id: str, reason: str | None) -> LeadDoc:
        return await self._triage(lead_id, LeadAction.REJECT, reason)

    async def _triage(self, lead_id: str, action: LeadAction, reason: str | None) -> LeadDoc:
        self._writer()
        doc = await self._require(LeadDoc, lead_id)
        new = move_lead(doc.status, action, _text("reason", reason))
        stored = await self._cas(doc, {"status": new.value, "reason": _text("reason", reason) or None,
                                       "triaged_by": self.actor, "triaged_at": now_ms()})  # fmt: skip
        await self._audit(f"lead.{action.value}", "lead", lead_id, {"from": doc.status.value, "to": new.value, "reason": stored.reason})
        return stored

    async def merge_lead(self, lead_id: str, into: str) -> tuple[LeadDoc, LeadDoc]:
        """合并: `lead_id` becomes merged into `into`; both keep the link."""
        self._writer()
        doc = await self._require(LeadDoc, lead_id)
        new = move_lead(doc.status, LeadAction.MERGE)
        target = await self._require(LeadDoc, into) if into != lead_id else doc
        check_merge(lead_id, into, target.status, target.merged_into)
        now = now_ms()
        coll = LeadDoc.get_pymongo_collection()
        # the target first, only while it is still open: a merge never points at a closed lead
        linked = await coll.find_one_and_update(
            {"_id": into, "tenant": self.tenant, "status": {"$in": [LeadStatus.NEW.value, LeadStatus.ACCEPTED.value]}},
            {"$set": {f"merged_from.{lead_id}": now, "updated_at": now}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if linked is None:
            raise HubError(PlanningCodes.CONFLICT, what_zh="目标线索", what_en="target lead")
        try:
            stored = await self._cas(doc, {"status": new.value, "merged_into": into, "triaged_by": self.actor, "triaged_at": now})
        except HubError:
            await coll.update_one({"_id": into, "tenant": self.tenant}, {"$unset": {f"merged_from.{lead_id}": ""}})
            raise
        await self._audit("lead.merge", "lead", lead_id, {"from": doc.status.value, "to": new.value, "into": into})
        return stored, LeadDoc.model_validate(linked)

    # ---- 选题 topics -----------------------------------------------------------------
    async def topic(self, topic_id: str) -> TopicDoc | None:
        return await self._get(TopicDoc, topic_id)

    async def topics_by_id(self, ids: Iterable[str]) -> dict[str, TopicDoc]:
        return await self._many(TopicDoc, ids)

    async def topics(self, first: int, after: str | None, status: TopicStatus | None = None) -> Page[TopicDoc]:
        return await self._page(TopicDoc, {"status": status.value} if status else {}, "created_at", first, after)

    async def propose_topic(
        self, title: str, summary: str | None, channels: Iterable[str], known_channels: Collection[str] | None,
        column_id: str | None, lead_ids: Iterable[str],
    ) -> TopicDoc:  # fmt: skip
        """选题申报: validated in full (channels, column, accepted leads) before anything is written."""
        actor = self._writer()
        planned = check_channels(channels, known_channels)
        if column_id and await ColumnRepository(self.scope).get(column_id) is None:
            raise HubError(PlanningCodes.UNKNOWN_COLUMN, column=column_id)
        wanted = list(dict.fromkeys(lead_ids))
        found = await self.leads_by_id(wanted)
        check_linkable_leads({i: found[i].status if i in found else None for i in wanted})
        now = now_ms()
        doc = TopicDoc(
            tenant=self.tenant, title=_text("title", title, required=True), summary=_text("summary", summary),
            channels=planned, column_id=column_id or None, lead_ids=wanted, proposer=actor, created_at=now, updated_at=now,
        )  # fmt: skip
        await doc.insert()
        if wanted:  # the leads' side of the link
            await LeadDoc.get_pymongo_collection().update_many(
                {"tenant": self.tenant, "_id": {"$in": wanted}},
                {"$set": {f"topic_ids.{doc.id}": now, "updated_at": now}, "$inc": {"version": 1}},
            )
        await self._audit("topic.propose", "topic", doc.id, {"channels": planned, "column_id": doc.column_id, "lead_ids": wanted})
        return doc

    async def decide_topic(self, topic_id: str, action: TopicAction, reason: str | None = None) -> TopicDoc:
        """批准 / 否决 (reason) / 完成 / 撤销 (reason) a topic."""
        self._writer()
        doc = await self._require(TopicDoc, topic_id)
        open_count = 0
        if action in (TopicAction.COMPLETE, TopicAction.CANCEL):
            open_count = len(await self.assignments_of_topics([topic_id], OPEN_ASSIGNMENT))
        new = move_topic(doc.status, action, reason, open_count)
        now = now_ms()
        fields: dict[str, Any] = {"status": new.value}
        if text := _text("reason", reason):
            fields["reason"] = text
        if action in (TopicAction.APPROVE, TopicAction.REJECT):
            fields.update(decided_by=self.actor, decided_at=now)
        else:
            fields.update(closed_by=self.actor, closed_at=now)
        stored = await self._cas(doc, fields)
        await self._audit(f"topic.{action.value}", "topic", topic_id, {"from": doc.status.value, "to": new.value, "reason": fields.get("reason")})
        return stored

    # ---- 派单 assignments ------------------------------------------------------------
    async def assignment(self, assignment_id: str) -> AssignmentDoc | None:
        return await self._get(AssignmentDoc, assignment_id)

    async def assignments(
        self, first: int, after: str | None, topic_id: str | None = None, assignee: str | None = None,
        status: AssignmentStatus | None = None,
    ) -> Page[AssignmentDoc]:  # fmt: skip
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
        return await AssignmentDoc.find(q).sort([("created_at", SortDirection.ASCENDING)]).to_list()

    async def assignments_for_stories(self, story_ids: Iterable[str]) -> dict[str, AssignmentDoc]:
        docs = await AssignmentDoc.find({"tenant": self.tenant, "story_id": {"$in": sorted(set(story_ids))}}).to_list()
        return {str(d.story_id): d for d in docs}

    def _dispatcher(self) -> bool:
        return permits(self.scope.principal, Action.ASSIGNMENT_DISPATCH)

    async def _known_users(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted({i.strip() for i in ids})
        docs = await UserDoc.find({"tenant": self.tenant, "_id": {"$in": wanted}}).to_list()
        return {d.id for d in docs if not d.disabled}

    @staticmethod
    def _entry(doc: AssignmentDoc, entry: HistoryEntry) -> dict[str, Any]:
        """The `$set` that appends `entry` to the timeline (the CAS on version keeps keys unique)."""
        value = {**asdict(entry), "from_assignees": list(entry.from_assignees), "to_assignees": list(entry.to_assignees)}
        return {f"history.{len(doc.history) + 1:06d}": value}

    async def dispatch(
        self, topic_id: str, assignees: Iterable[str], kind: AssignmentKind, deadline: int, note: str | None
    ) -> AssignmentDoc:
        """派单: a task on an approved topic for a reporter or a team, due at `deadline`."""
        actor = self._writer()
        topic = await self._require(TopicDoc, topic_id)
        check_dispatchable(topic.title, topic.status)
        wanted = list(assignees)
        people = check_assignees(wanted, await self._known_users(wanted))
        now = now_ms()
        check_deadline(deadline, now)
        entry = HistoryEntry(at=now, actor=actor, kind="dispatch", from_status=None, to_status=AssignmentStatus.DISPATCHED.value,
                             to_assignees=tuple(people))  # fmt: skip
        doc = AssignmentDoc(
            id=new_id(), tenant=self.tenant, topic_id=topic_id, assignees=people, kind=kind, deadline=deadline,
            note=_text("note", note), created_by=actor, created_at=now, updated_at=now,
        )  # fmt: skip
        doc.history = {k.removeprefix("history."): v for k, v in self._entry(doc, entry).items()}
        await doc.insert()
        await overdue.schedule(self.tenant, doc.id, deadline)
        await self._announce(doc, "dispatch", None, {"assignees": people, "kind": kind.value, "deadline": deadline})
        return doc

    async def move_assignment(
        self, assignment_id: str, action: AssignmentAction, reason: str | None = None, story_id: str | None = None
    ) -> AssignmentDoc:
        """接单 / 开始采写 / 交稿 (with a story) / 拒单 (reason) / 撤销 (reason)."""
        actor = self._writer()
        doc = await self._require(AssignmentDoc, assignment_id)
        may_move(actor, doc.assignees, self._dispatcher(), action)
        new = move_assignment(doc.status, action, reason)
        text = _text("reason", reason)
        fields: dict[str, Any] = {"status": new.value}
        details: dict[str, Any] = {}
        if text:
            fields["reason"] = text
        if action == AssignmentAction.FILE:
            if not story_id:
                raise invalid("storyId", "交稿时必须指定稿件", "filing needs the story")
            story = await StoryRepository(self.scope, self.max_body_chars).require(story_id)
            taken = (await self.assignments_for_stories([story_id])).get(story_id)
            if taken is not None and taken.id != doc.id:
                raise HubError(PlanningCodes.STORY_TAKEN, story=story_id, other=taken.id)
            fields["story_id"] = story_id
            details = {"story_id": story_id, "story_version": story.version, "content_hash": story.content_hash}
        entry = HistoryEntry(at=now_ms(), actor=actor, kind=action.value, from_status=doc.status.value, to_status=new.value,
                             reason=text)  # fmt: skip
        stored = await self._cas(doc, {**fields, **self._entry(doc, entry)})
        await self._announce(stored, action.value, doc.status, {"reason": text, **details})
        return stored

    async def reassign(
        self, assignment_id: str, assignees: Iterable[str], reason: str | None, deadline: int | None = None
    ) -> AssignmentDoc:
        """改派: new assignees (and optionally a new deadline); the history keeps who, when, why."""
        actor = self._writer()
        doc = await self._require(AssignmentDoc, assignment_id)
        may_move(actor, doc.assignees, self._dispatcher(), AssignmentAction.REASSIGN)
        new = move_assignment(doc.status, AssignmentAction.REASSIGN, reason)
        wanted = list(assignees)
        people = check_assignees(wanted, await self._known_users(wanted))
        check_reassign(doc.assignees, people)
        if deadline is not None and deadline != doc.deadline:
            check_deadline(deadline, now_ms())
        text = _text("reason", reason)
        entry = HistoryEntry(at=now_ms(), actor=actor, kind="reassign", from_status=doc.status.value, to_status=new.value,
                             from_assignees=tuple(doc.assignees), to_assignees=tuple(people), reason=text)  # fmt: skip
        fields: dict[str, Any] = {"status": new.value, "assignees": people, "reason": text, **self._entry(doc, entry)}
        if deadline is not None:
            fields["deadline"] = deadline
        stored = await self._cas(doc, fields)
        if stored.deadline != doc.deadline:
            await overdue.schedule(self.tenant, stored.id, stored.deadline)
        await self._announce(stored, "reassign", doc.status, {"reason": text, "from_assignees": doc.assignees, "assignees": people})
        return stored

    async def _announce(self, doc: AssignmentDoc, action: str, before: AssignmentStatus | None, details: dict[str, Any]) -> None:
        """Audit, then the bus event (after the change is stored)."""
        data = {"from": before.value if before else None, "status": doc.status.value, "topic_id": doc.topic_id,
                "assignees": list(doc.assignees), "deadline": doc.deadline, **details}  # fmt: skip
        await self._audit(f"assignment.{action}", "assignment", doc.id, data)
        kind = "assignment.dispatched" if action == "dispatch" else f"assignment.{'reassigned' if action == 'reassign' else doc.status.value}"
        await publish(self.tenant, BUS_TOPIC, kind, doc.id, self.actor, data)

    # ---- 指挥调度 the dispatch board -------------------------------------------------
    async def board(self, lead_limit: int = 100) -> tuple[Board[AssignmentDoc, TopicDoc], list[LeadDoc], int, dict[str, UserDoc]]:
        """Everything the command center watches, in seven reads whatever the numbers."""
        now = now_ms()
        open_docs = await AssignmentDoc.find(
            {"tenant": self.tenant, "status": {"$in": sorted(s.value for s in OPEN_ASSIGNMENT)}}
        ).to_list()
        topics = await TopicDoc.find({"tenant": self.tenant, "status": TopicStatus.APPROVED.value}).to_list()
        filed = await AssignmentDoc.get_pymongo_collection().find(
            {"tenant": self.tenant, "topic_id": {"$in": [t.id for t in topics]},
             "status": {"$in": sorted(s.value for s in STAFFING_ASSIGNMENT - OPEN_ASSIGNMENT)}},
            {"topic_id": 1},
        ).to_list()  # fmt: skip
        counted = await (await AssignmentDoc.get_pymongo_collection().aggregate(
            [{"$match": {"tenant": self.tenant}}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}]
        )).to_list()  # fmt: skip
        counts = {str(r["_id"]): int(r["n"]) for r in counted}
        waiting = await LeadDoc.find({"tenant": self.tenant, "status": LeadStatus.NEW.value}).sort(
            [("received_at", SortDirection.ASCENDING)]).limit(lead_limit).to_list()  # fmt: skip
        waiting_count = len(waiting)
        if waiting_count == lead_limit:
            counted = await (await LeadDoc.get_pymongo_collection().aggregate(
                [{"$match": {"tenant": self.tenant, "status": LeadStatus.NEW.value}}, {"$count": "n"}]
            )).to_list()  # fmt: skip
            waiting_count = int(counted[0]["n"]) if counted else 0
        board = build_board(open_docs, topics, (str(f["topic_id"]) for f in filed), counts, now)
        users = await self._users({u for a in open_docs for u in a.assignees})
        return board, waiting, waiting_count, users

    async def _users(self, ids: Iterable[str]) -> dict[str, UserDoc]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        return {d.id: d for d in await UserDoc.find({"tenant": self.tenant, "_id": {"$in": wanted}}).to_list()}
