"""GraphQL root fields of 策、采: leads (线索), topics (选题), assignments (派单), 指挥调度.

Rules live in `hub/planning/rules.py`, storage in `hub/planning/store.py` and
`dispatch.py`, the types in `planning_types.py`; this module only translates.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from hub.graphql.context import Context
from hub.graphql.planning_types import (
    DEFAULT_PAGE,
    Assignment,
    AssignmentConnection,
    AssignmentEdge,
    AssignmentFilter,
    CreateLeadInput,
    DispatchAssignmentInput,
    DispatchBoard,
    Lead,
    LeadConnection,
    LeadEdge,
    LeadFilter,
    ProposeTopicInput,
    StaffMember,
    Topic,
    TopicConnection,
    TopicEdge,
    TopicStatusEnum,
    UpdateTopicInput,
    Workload,
    loaders,
    page_info,
    planning_store,
    status_counts,
)
from hub.graphql.types import Cursor, dt_to_ms, ms_to_dt
from hub.planning import rules
from hub.store import stories as story_store
from hub.store.idempotency import create_once


def _known_channels(info: Info[Context, None]) -> list[str] | None:
    engine = getattr(info.context.services, "distribution", None)
    return engine.channels.names() if engine is not None else None


# ---- root fields ---------------------------------------------------------------------
@strawberry.type
class PlanningQuery:
    @strawberry.field(description="一条线索")
    async def lead(self, info: Info[Context, None], id: strawberry.ID) -> Lead | None:
        doc = await planning_store(info).lead(str(id))
        return Lead.from_doc(doc) if doc else None

    @strawberry.field(description="线索列表 (newest first; filter by status and source)")
    async def leads(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: Cursor | None = None,
        filter: LeadFilter | None = None,
    ) -> LeadConnection:
        story_store.check_page_size(first, info.context.settings.graphql_max_page)
        flt = filter or LeadFilter()
        page = await planning_store(info).leads(first, after, flt.status, flt.source)
        return LeadConnection(
            edges=[
                LeadEdge(cursor=c, node=Lead.from_doc(d))
                for d, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=page_info(page, after),
        )

    @strawberry.field(description="一个选题")
    async def topic(self, info: Info[Context, None], id: strawberry.ID) -> Topic | None:
        doc = await planning_store(info).topic(str(id))
        return Topic.from_doc(doc) if doc else None

    @strawberry.field(description="选题列表 (newest first)")
    async def topics(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: Cursor | None = None,
        status: TopicStatusEnum | None = None,  # type: ignore[valid-type]
    ) -> TopicConnection:
        story_store.check_page_size(first, info.context.settings.graphql_max_page)
        page = await planning_store(info).topics(first, after, status)
        return TopicConnection(
            edges=[
                TopicEdge(cursor=c, node=Topic.from_doc(d))
                for d, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=page_info(page, after),
        )

    @strawberry.field(description="一项派单")
    async def assignment(self, info: Info[Context, None], id: strawberry.ID) -> Assignment | None:
        doc = await planning_store(info).assignment(str(id))
        return Assignment.from_doc(doc) if doc else None

    @strawberry.field(description="派单列表 (newest first; by topic, assignee, status, or mine)")
    async def assignments(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: Cursor | None = None,
        filter: AssignmentFilter | None = None,
    ) -> AssignmentConnection:
        story_store.check_page_size(first, info.context.settings.graphql_max_page)
        flt = filter or AssignmentFilter()
        assignee = (
            info.context.scope.actor if flt.mine else (str(flt.assignee) if flt.assignee else None)
        )
        page = await planning_store(info).assignments(
            first, after, str(flt.topic_id) if flt.topic_id else None, assignee, flt.status
        )
        return AssignmentConnection(
            edges=[
                AssignmentEdge(cursor=c, node=Assignment.from_doc(d))
                for d, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=page_info(page, after),
        )

    @strawberry.field(description="指挥调度: the command center's board")
    async def dispatch_board(self, info: Info[Context, None]) -> DispatchBoard:
        board, leads, lead_count, users = await planning_store(info).board()
        batch = loaders(info)
        for uid, user in users.items():
            batch.user.prime(uid, user)
        for t in board.unstaffed_topics:
            batch.topic.prime(t.id, t)
        return DispatchBoard(
            generated_at=ms_to_dt(board.now),
            people=[
                Workload(
                    person=StaffMember(
                        id=strawberry.ID(p.user_id),
                        display_name=users[p.user_id].display_name if p.user_id in users else None,
                    ),
                    open=[Assignment.from_doc(a) for a in p.open],
                    late=[Assignment.from_doc(a) for a in p.late],
                    counts=status_counts(p.counts),
                )
                for p in board.people
            ],
            late=[Assignment.from_doc(a) for a in board.late],
            declined=[Assignment.from_doc(a) for a in board.declined],
            unstaffed_topics=[Topic.from_doc(t) for t in board.unstaffed_topics],
            leads_awaiting_triage=[Lead.from_doc(d) for d in leads],
            leads_awaiting_triage_count=lead_count,
            counts=status_counts(board.counts),
        )


def _key_input(input: Any) -> dict[str, Any]:
    """An input's fields as an idempotency key stands for them (the key itself left out)."""
    return {k: v for k, v in dataclasses.asdict(input).items() if k != "idempotency_key"}


@strawberry.type(description="派单 and its moves")
class PlanningMutation:
    @strawberry.mutation(description="报料: record a new lead")
    async def create_lead(self, info: Info[Context, None], input: CreateLeadInput) -> Lead:
        store = planning_store(info)
        doc = await create_once(
            info.context.scope,
            "createLead",
            input.idempotency_key,
            _key_input(input),
            lambda lead_id: store.create_lead(
                input.title,
                input.description,
                rules.LeadSource(input.source),
                input.contact,
                dt_to_ms(input.received_at),
                input.external_id,
                lead_id=lead_id,
            ),
            store.lead,
        )
        return Lead.from_doc(doc)

    @strawberry.mutation(description="采纳线索")
    async def accept_lead(self, info: Info[Context, None], id: strawberry.ID) -> Lead:
        return Lead.from_doc(await planning_store(info).accept_lead(str(id)))

    @strawberry.mutation(
        description="合并线索: this lead joins another open lead; both keep the link. Returns the merged lead"
    )
    async def merge_lead(
        self, info: Info[Context, None], id: strawberry.ID, into_id: strawberry.ID
    ) -> Lead:
        merged, _ = await planning_store(info).merge_lead(str(id), str(into_id))
        return Lead.from_doc(merged)

    @strawberry.mutation(description="退回线索 (不采用), with a reason the tipster can be told")
    async def reject_lead(self, info: Info[Context, None], id: strawberry.ID, reason: str) -> Lead:
        return Lead.from_doc(await planning_store(info).reject_lead(str(id), reason))

    @strawberry.mutation(description="选题申报: planned channels and column, linked accepted leads")
    async def propose_topic(self, info: Info[Context, None], input: ProposeTopicInput) -> Topic:
        store = planning_store(info)
        doc = await create_once(
            info.context.scope,
            "proposeTopic",
            input.idempotency_key,
            _key_input(input),
            lambda topic_id: store.propose_topic(
                input.title,
                input.summary,
                input.channels,
                _known_channels(info),
                str(input.column_id) if input.column_id else None,
                [str(i) for i in input.lead_ids],
                topic_id=topic_id,
            ),
            store.topic,
        )
        return Topic.from_doc(doc)

    @strawberry.mutation(
        description="修改选题 while proposed or approved: the proposer while proposed, editor-level roles "
        "any open topic; PLANNING_CONFLICT if expectedVersion is stale"
    )
    async def update_topic(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        input: UpdateTopicInput,
        expected_version: int,
    ) -> Topic:
        changes: dict[str, Any] = {}
        if input.title is not strawberry.UNSET:
            changes["title"] = input.title
        if input.summary is not strawberry.UNSET:
            changes["summary"] = input.summary
        if input.channels is not strawberry.UNSET:
            changes["channels"] = list(input.channels or [])
        if input.column_id is not strawberry.UNSET:
            changes["column_id"] = str(input.column_id) if input.column_id else None
        doc = await planning_store(info).update_topic(
            str(id), expected_version, changes, _known_channels(info)
        )
        return Topic.from_doc(doc)

    @strawberry.mutation(
        description="关联线索: accepted leads join an open topic; leads already linked stay as they are"
    )
    async def link_leads_to_topic(
        self,
        info: Info[Context, None],
        topic_id: strawberry.ID,
        lead_ids: list[strawberry.ID],
        expected_version: int | None = None,
    ) -> Topic:
        doc = await planning_store(info).link_leads(
            str(topic_id), [str(i) for i in lead_ids], expected_version
        )
        return Topic.from_doc(doc)

    @strawberry.mutation(description="取消关联: a lead leaves an open topic (both sides)")
    async def unlink_lead_from_topic(
        self,
        info: Info[Context, None],
        topic_id: strawberry.ID,
        lead_id: strawberry.ID,
        expected_version: int | None = None,
    ) -> Topic:
        doc = await planning_store(info).unlink_lead(str(topic_id), str(lead_id), expected_version)
        return Topic.from_doc(doc)

    @strawberry.mutation(description="批准选题 (editor-level roles)")
    async def approve_topic(self, info: Info[Context, None], id: strawberry.ID) -> Topic:
        return Topic.from_doc(
            await planning_store(info).decide_topic(str(id), rules.TopicAction.APPROVE)
        )

    @strawberry.mutation(description="否决选题, with a reason")
    async def reject_topic(
        self, info: Info[Context, None], id: strawberry.ID, reason: str
    ) -> Topic:
        return Topic.from_doc(
            await planning_store(info).decide_topic(str(id), rules.TopicAction.REJECT, reason)
        )

    @strawberry.mutation(description="选题完成 (no open assignments left)")
    async def complete_topic(self, info: Info[Context, None], id: strawberry.ID) -> Topic:
        return Topic.from_doc(
            await planning_store(info).decide_topic(str(id), rules.TopicAction.COMPLETE)
        )

    @strawberry.mutation(description="撤销选题, with a reason (no open assignments left)")
    async def cancel_topic(
        self, info: Info[Context, None], id: strawberry.ID, reason: str
    ) -> Topic:
        return Topic.from_doc(
            await planning_store(info).decide_topic(str(id), rules.TopicAction.CANCEL, reason)
        )

    @strawberry.mutation(
        description="派单: give an approved topic's task to a reporter or a team, with a deadline"
    )
    async def dispatch_assignment(
        self, info: Info[Context, None], input: DispatchAssignmentInput
    ) -> Assignment:
        store = planning_store(info)
        doc = await create_once(
            info.context.scope,
            "dispatchAssignment",
            input.idempotency_key,
            _key_input(input),
            lambda assignment_id: store.dispatch(
                str(input.topic_id),
                [str(a) for a in input.assignees],
                rules.AssignmentKind(input.kind),
                dt_to_ms(input.deadline) or 0,
                input.note,
                assignment_id=assignment_id,
            ),
            store.assignment,
        )
        return Assignment.from_doc(doc)

    @strawberry.mutation(description="接单 (the assignee, or an editor)")
    async def accept_assignment(self, info: Info[Context, None], id: strawberry.ID) -> Assignment:
        return Assignment.from_doc(
            await planning_store(info).move_assignment(str(id), rules.AssignmentAction.ACCEPT)
        )

    @strawberry.mutation(description="开始采写 (the assignee, or an editor)")
    async def start_assignment(self, info: Info[Context, None], id: strawberry.ID) -> Assignment:
        return Assignment.from_doc(
            await planning_store(info).move_assignment(str(id), rules.AssignmentAction.START)
        )

    @strawberry.mutation(description="交稿: bind the story written for it (made with createStory)")
    async def file_assignment(
        self, info: Info[Context, None], id: strawberry.ID, story_id: strawberry.ID
    ) -> Assignment:
        doc = await planning_store(info).move_assignment(
            str(id), rules.AssignmentAction.FILE, story_id=str(story_id)
        )
        return Assignment.from_doc(doc)

    @strawberry.mutation(description="拒单, with a reason; the editor then reassigns or cancels it")
    async def decline_assignment(
        self, info: Info[Context, None], id: strawberry.ID, reason: str
    ) -> Assignment:
        return Assignment.from_doc(
            await planning_store(info).move_assignment(
                str(id), rules.AssignmentAction.DECLINE, reason
            )
        )

    @strawberry.mutation(description="撤销派单, with a reason")
    async def cancel_assignment(
        self, info: Info[Context, None], id: strawberry.ID, reason: str
    ) -> Assignment:
        return Assignment.from_doc(
            await planning_store(info).move_assignment(
                str(id), rules.AssignmentAction.CANCEL, reason
            )
        )

    @strawberry.mutation(
        description="改派: new assignees (and optionally a new deadline), with a reason kept in the history"
    )
    async def reassign_assignment(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        assignees: list[strawberry.ID],
        reason: str,
        deadline: datetime | None = None,
    ) -> Assignment:
        doc = await planning_store(info).reassign(
            str(id), [str(a) for a in assignees], reason, dt_to_ms(deadline)
        )
        return Assignment.from_doc(doc)
