"""派单 and 指挥调度, stored: dispatching, the assignee's moves, 改派, the board.

Reads and the shared write helpers are `PlanningStore`'s; every change here is also
announced on the bus (topic `assignment`) after it is stored, and audited: the audit
entry travels in the change's own write (hub/audit/pending.py) and is appended right after.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from beanie.odm.enums import SortDirection

from hub.audit import pending
from hub.domain.permissions import Action, permits
from hub.errors import HubError, invalid
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
    LeadStatus,
    TopicStatus,
    check_assignees,
    check_deadline,
    check_dispatchable,
    check_reassign,
    may_move,
    move_assignment,
)
from hub.planning.store import PlanningStore, clean_text
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted

#: The bus topic assignment changes are announced on.
BUS_TOPIC = "assignment"


class DispatchDesk(PlanningStore):
    """The planning store plus the moves of assignments and the dispatch board."""

    def _dispatcher(self) -> bool:
        return permits(self.scope.principal, Action.ASSIGNMENT_DISPATCH)

    async def _known_users(self, ids: Iterable[str]) -> set[str]:
        wanted = sorted({i.strip() for i in ids})
        docs = await UserDoc.find({"tenant": self.tenant, "_id": {"$in": wanted}}).to_list()
        return {d.id for d in docs if not d.disabled}

    @staticmethod
    def _history(doc: AssignmentDoc, entry: HistoryEntry) -> dict[str, Any]:
        """The `$set` that appends `entry` to the timeline (the CAS on version keeps keys unique)."""
        value = {
            **asdict(entry),
            "from_assignees": list(entry.from_assignees),
            "to_assignees": list(entry.to_assignees),
        }
        return {f"history.{len(doc.history) + 1:06d}": value}

    async def dispatch(
        self,
        topic_id: str,
        assignees: Iterable[str],
        kind: AssignmentKind,
        deadline: int,
        note: str | None,
        assignment_id: str | None = None,
    ) -> AssignmentDoc:
        """派单: a task on an approved topic for a reporter or a team, due at `deadline`.
        With `assignment_id` (an idempotent create's), one already there raises DuplicateKeyError."""
        actor = self._writer()
        topic = await self._require(TopicDoc, topic_id)
        check_dispatchable(topic.title, topic.status)
        wanted = list(assignees)
        people = check_assignees(wanted, await self._known_users(wanted))
        now = now_ms()
        check_deadline(deadline, now)
        entry = HistoryEntry(
            at=now,
            actor=actor,
            kind="dispatch",
            from_status=None,
            to_status=AssignmentStatus.DISPATCHED.value,
            to_assignees=tuple(people),
        )
        doc = AssignmentDoc(
            id=assignment_id or new_id(),
            tenant=self.tenant,
            topic_id=topic_id,
            assignees=people,
            kind=kind,
            deadline=deadline,
            note=clean_text("note", note),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        doc.history = {k.removeprefix("history."): v for k, v in self._history(doc, entry).items()}
        # the deadline job first: a crash in between leaves a job that finds nothing, never
        # an assignment without its deadline check
        await overdue.schedule(self.tenant, doc.id, deadline)
        data = self._data(
            doc, None, {"assignees": people, "kind": kind.value, "deadline": deadline}
        )
        audit = await self._entry("assignment.dispatch", "assignment", doc.id, data)
        await audit.on_doc(doc).insert()
        await self._announce(doc, "dispatch", data, audit)
        return self._settled(doc, audit)

    async def move_assignment(
        self,
        assignment_id: str,
        action: AssignmentAction,
        reason: str | None = None,
        story_id: str | None = None,
    ) -> AssignmentDoc:
        """接单 / 开始采写 / 交稿 (with a story) / 拒单 (reason) / 撤销 (reason)."""
        actor = self._writer()
        doc = await self._require(AssignmentDoc, assignment_id)
        may_move(actor, doc.assignees, self._dispatcher(), action)
        new = move_assignment(doc.status, action, reason)
        text = clean_text("reason", reason)
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
            details = {
                "story_id": story_id,
                "story_version": story.version,
                "content_hash": story.content_hash,
            }
        entry = HistoryEntry(
            at=now_ms(),
            actor=actor,
            kind=action.value,
            from_status=doc.status.value,
            to_status=new.value,
            reason=text,
        )
        data = self._data(doc, doc.status, {"reason": text, **details}, status=new)
        audit = await self._entry(f"assignment.{action.value}", "assignment", doc.id, data)
        stored = await self._cas(doc, {**fields, **self._history(doc, entry)}, audit)
        await self._announce(stored, action.value, data, audit)
        return self._settled(stored, audit)

    async def reassign(
        self,
        assignment_id: str,
        assignees: Iterable[str],
        reason: str | None,
        deadline: int | None = None,
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
        text = clean_text("reason", reason)
        entry = HistoryEntry(
            at=now_ms(),
            actor=actor,
            kind="reassign",
            from_status=doc.status.value,
            to_status=new.value,
            from_assignees=tuple(doc.assignees),
            to_assignees=tuple(people),
            reason=text,
        )
        fields: dict[str, Any] = {
            "status": new.value,
            "assignees": people,
            "reason": text,
            **self._history(doc, entry),
        }
        if deadline is not None and deadline != doc.deadline:
            fields["deadline"] = deadline
            await overdue.schedule(
                self.tenant, doc.id, deadline
            )  # a lost race leaves a job that skips
        data = self._data(
            doc,
            doc.status,
            {"reason": text, "from_assignees": doc.assignees, "assignees": people},
            status=new,
            assignees=people,
            deadline=fields.get("deadline", doc.deadline),
        )
        audit = await self._entry("assignment.reassign", "assignment", doc.id, data)
        stored = await self._cas(doc, fields, audit)
        await self._announce(stored, "reassign", data, audit)
        return self._settled(stored, audit)

    @staticmethod
    def _data(
        doc: AssignmentDoc,
        before: AssignmentStatus | None,
        details: dict[str, Any],
        *,
        status: AssignmentStatus | None = None,
        assignees: list[str] | None = None,
        deadline: int | None = None,
    ) -> dict[str, Any]:
        """What the audit entry and the bus event say about the change: the assignment as
        it will be stored (`status`, `assignees`, `deadline` where the change sets them)."""
        return {
            "from": before.value if before else None,
            "status": (status or doc.status).value,
            "topic_id": doc.topic_id,
            "assignees": list(assignees if assignees is not None else doc.assignees),
            "deadline": deadline if deadline is not None else doc.deadline,
            **details,
        }

    async def _announce(
        self, doc: AssignmentDoc, action: str, data: dict[str, Any], entry: pending.Pending
    ) -> None:
        """After the change is stored: its carried audit entry, then the bus event."""
        await self._settle(doc, entry)
        kind = (
            "assignment.dispatched"
            if action == "dispatch"
            else f"assignment.{'reassigned' if action == 'reassign' else doc.status.value}"
        )
        await publish(self.tenant, BUS_TOPIC, kind, doc.id, self.actor, data)

    # ---- 指挥调度 the dispatch board -------------------------------------------------
    async def board(
        self, lead_limit: int = 100
    ) -> tuple[Board[AssignmentDoc, TopicDoc], list[LeadDoc], int, dict[str, UserDoc]]:
        """Everything the command center watches, in seven reads whatever the numbers."""
        now = now_ms()
        open_docs = await AssignmentDoc.find(
            {"tenant": self.tenant, "status": {"$in": sorted(s.value for s in OPEN_ASSIGNMENT)}}
        ).to_list()
        topics = await TopicDoc.find(
            {"tenant": self.tenant, "status": TopicStatus.APPROVED.value}
        ).to_list()
        filed = (
            await Tenanted(AssignmentDoc, self.tenant)
            .find(
                {
                    "topic_id": {"$in": [t.id for t in topics]},
                    "status": {
                        "$in": sorted(s.value for s in STAFFING_ASSIGNMENT - OPEN_ASSIGNMENT)
                    },
                },
                {"topic_id": 1},
            )
            .to_list()
        )
        counted = await (
            await Tenanted(AssignmentDoc, self.tenant).aggregate(
                [
                    {"$match": {"tenant": self.tenant}},
                    {"$group": {"_id": "$status", "n": {"$sum": 1}}},
                ]
            )
        ).to_list()
        counts = {str(r["_id"]): int(r["n"]) for r in counted}
        waiting = (
            await LeadDoc.find({"tenant": self.tenant, "status": LeadStatus.NEW.value})
            .sort([("received_at", SortDirection.ASCENDING)])
            .limit(lead_limit)
            .to_list()
        )
        waiting_count = len(waiting)
        if waiting_count == lead_limit:
            counted = await (
                await Tenanted(LeadDoc, self.tenant).aggregate(
                    [
                        {"$match": {"status": LeadStatus.NEW.value}},
                        {"$count": "n"},
                    ]
                )
            ).to_list()
            waiting_count = int(counted[0]["n"]) if counted else 0
        board = build_board(open_docs, topics, (str(f["topic_id"]) for f in filed), counts, now)
        users = await self.users_by_id({u for a in open_docs for u in a.assignees})
        return board, waiting, waiting_count, users
