"""GraphQL types of 策、采: `Lead`, `Topic`, `Assignment`, `DispatchBoard`, their
connections and inputs. Linked objects resolve through per-request DataLoaders, so a
list or the board costs a few reads, not one per item. Root fields: `planning.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub.domain.permissions import Action, permits
from hub.graphql.context import Context
from hub.graphql.types import PageInfo, Story, dt_to_ms, ms_to_dt, story_link
from hub.identity.documents import UserDoc
from hub.ids import now_ms
from hub.planning import rules
from hub.planning.dispatch import DispatchDesk
from hub.planning.documents import AssignmentDoc, LeadDoc, TopicDoc
from hub.planning.store import Page, PlanningStore
from hub.store.documents import StoryDoc
from hub.store.idempotency import IDEMPOTENCY_KEY_HELP
from hub.store.stories import StoryRepository

LeadSourceEnum = strawberry.enum(
    rules.LeadSource, name="LeadSource", description="线索来源: 群众报料, 部门, 通讯员, 舆情监测"
)
LeadStatusEnum = strawberry.enum(
    rules.LeadStatus, name="LeadStatus", description="线索状态: 待处理, 已采纳, 已合并, 未采用"
)
TopicStatusEnum = strawberry.enum(
    rules.TopicStatus,
    name="TopicStatus",
    description="选题状态: 待审, 已通过, 未通过, 已完成, 已撤销",
)
AssignmentKindEnum = strawberry.enum(
    rules.AssignmentKind,
    name="AssignmentKind",
    description="派单类型: 文字, 摄影, 摄像, 音频, 直播, 美编, 其他",
)
AssignmentStatusEnum = strawberry.enum(
    rules.AssignmentStatus,
    name="AssignmentStatus",
    description="派单状态: 已派单, 已接单, 采写中, 已交稿, 已拒单, 已撤销",
)
DEFAULT_PAGE = 20


# ---- per-request loaders ---------------------------------------------------------------
class Loaders:
    def __init__(self, store: PlanningStore, stories: StoryRepository) -> None:
        async def topics(ids: list[str]) -> list[TopicDoc | None]:
            found = await store.topics_by_id(ids)
            return [found.get(i) for i in ids]

        async def leads(ids: list[str]) -> list[LeadDoc | None]:
            found = await store.leads_by_id(ids)
            return [found.get(i) for i in ids]

        async def of_topics(ids: list[str]) -> list[list[AssignmentDoc]]:
            docs = await store.assignments_of_topics(ids)
            return [[d for d in docs if d.topic_id == i] for i in ids]

        async def of_stories(ids: list[str]) -> list[AssignmentDoc | None]:
            found = await store.assignments_for_stories(ids)
            return [found.get(i) for i in ids]

        async def users(ids: list[str]) -> list[UserDoc | None]:
            found = await store.users_by_id(ids)
            return [found.get(i) for i in ids]

        async def story_docs(ids: list[str]) -> list[StoryDoc | None]:
            found = await stories.get_many(ids)  # the caller's visibility rules apply
            return [found.get(i) for i in ids]

        self.story: DataLoader[str, StoryDoc | None] = DataLoader(load_fn=story_docs)
        self.topic: DataLoader[str, TopicDoc | None] = DataLoader(load_fn=topics)
        self.lead: DataLoader[str, LeadDoc | None] = DataLoader(load_fn=leads)
        self.of_topic: DataLoader[str, list[AssignmentDoc]] = DataLoader(load_fn=of_topics)
        self.of_story: DataLoader[str, AssignmentDoc | None] = DataLoader(load_fn=of_stories)
        self.user: DataLoader[str, UserDoc | None] = DataLoader(load_fn=users)


def planning_store(info: Info[Context, None]) -> DispatchDesk:
    """The caller's planning store (reads and moves)."""
    return DispatchDesk(info.context.scope, info.context.settings.max_body_chars)


def loaders(info: Info[Context, None]) -> Loaders:
    found = getattr(info.context, "_planning_loaders", None)
    if found is None:
        found = Loaders(planning_store(info), info.context.stories)
        setattr(info.context, "_planning_loaders", found)  # noqa: B010 - one set per request
    return found


def _ids(values: list[str] | dict[str, int]) -> list[strawberry.ID]:
    return [strawberry.ID(v) for v in values]


# ---- output types -------------------------------------------------------------------
@strawberry.type(description="人员: a member of the center's staff")
class StaffMember:
    id: strawberry.ID
    display_name: str | None


async def _people(info: Info[Context, None], ids: list[str]) -> list[StaffMember]:
    docs = await loaders(info).user.load_many(ids)
    return [
        StaffMember(id=strawberry.ID(i), display_name=d.display_name if d else None)
        for i, d in zip(ids, docs, strict=True)
    ]


@strawberry.type(
    description="线索: a tip from citizens, departments, correspondents or monitoring, and its triage"
)
class Lead:
    id: strawberry.ID
    title: str
    description: str
    source: LeadSourceEnum  # type: ignore[valid-type]
    contact: str | None = strawberry.field(description="报料人联系方式 (newsroom only)")
    received_at: datetime
    status: LeadStatusEnum  # type: ignore[valid-type]
    reject_reason: str | None
    merged_into_id: strawberry.ID | None = strawberry.field(
        description="the lead this one was merged into"
    )
    merged_from_ids: list[strawberry.ID] = strawberry.field(
        description="leads merged into this one"
    )
    topic_ids: list[strawberry.ID]
    created_by: str | None = strawberry.field(
        description="the user, or the client (app backend, 舆情监测), that recorded it"
    )
    external_id: str | None = strawberry.field(description="the submitting system's id for the tip")
    triaged_by: str | None = strawberry.field(description="newsroom only")
    triaged_at: datetime | None
    version: int

    @staticmethod
    def from_doc(doc: LeadDoc) -> Lead:
        return Lead(
            id=strawberry.ID(doc.id),
            title=doc.title,
            description=doc.description,
            source=doc.source,
            contact=doc.contact,
            received_at=ms_to_dt(doc.received_at),
            status=doc.status,
            reject_reason=doc.reason if doc.status == rules.LeadStatus.REJECTED else None,
            merged_into_id=strawberry.ID(doc.merged_into) if doc.merged_into else None,
            merged_from_ids=_ids(doc.merged_from),
            topic_ids=_ids(doc.topic_ids),
            created_by=doc.created_by,
            external_id=doc.external_id,
            triaged_by=doc.triaged_by,
            triaged_at=ms_to_dt(doc.triaged_at),
            version=doc.version,
        )

    @strawberry.field(
        description="选题 made from this lead (newsroom only: empty for a submitting client)"
    )
    async def topics(self, info: Info[Context, None]) -> list[Topic]:
        if not permits(info.context.scope.principal, Action.PLANNING_READ):
            return []  # an app backend or 舆情监测 client sees its tip, not the newsroom's plans
        docs = await loaders(info).topic.load_many([str(i) for i in self.topic_ids])
        return [Topic.from_doc(d) for d in docs if d is not None]


@strawberry.type(
    description="选题: a planned story with its channels, column, leads, approval and assignments"
)
class Topic:
    id: strawberry.ID
    title: str
    summary: str
    channels: list[str] = strawberry.field(description="planned channels")
    column_id: strawberry.ID | None = strawberry.field(description="planned column (栏目)")
    lead_ids: list[strawberry.ID]
    proposer: str | None
    status: TopicStatusEnum  # type: ignore[valid-type]
    reason: str | None = strawberry.field(description="why it was rejected or cancelled")
    decided_by: str | None = strawberry.field(description="who approved or rejected it")
    decided_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(
        description="pass it back as expectedVersion (updateTopic, linkLeadsToTopic, unlinkLeadFromTopic)"
    )

    @staticmethod
    def from_doc(doc: TopicDoc) -> Topic:
        return Topic(
            id=strawberry.ID(doc.id),
            title=doc.title,
            summary=doc.summary,
            channels=list(doc.channels),
            column_id=strawberry.ID(doc.column_id) if doc.column_id else None,
            lead_ids=_ids(doc.lead_ids),
            proposer=doc.proposer,
            status=doc.status,
            reason=doc.reason,
            decided_by=doc.decided_by,
            decided_at=ms_to_dt(doc.decided_at),
            closed_by=doc.closed_by,
            closed_at=ms_to_dt(doc.closed_at),
            created_at=ms_to_dt(doc.created_at),
            updated_at=ms_to_dt(doc.updated_at),
            version=doc.version,
        )

    @strawberry.field(description="线索 behind this topic")
    async def leads(self, info: Info[Context, None]) -> list[Lead]:
        docs = await loaders(info).lead.load_many([str(i) for i in self.lead_ids])
        return [Lead.from_doc(d) for d in docs if d is not None]

    @strawberry.field(description="派单 of this topic, oldest first")
    async def assignments(self, info: Info[Context, None]) -> list[Assignment]:
        return [Assignment.from_doc(d) for d in await loaders(info).of_topic.load(str(self.id))]


@strawberry.type(
    description="派单记录: one line of an assignment's timeline (status change, 改派, 超期)"
)
class AssignmentEvent:
    at: datetime
    actor: str | None
    kind: str = strawberry.field(
        description="dispatch, accept, start, file, decline, cancel, reassign or overdue"
    )
    from_status: AssignmentStatusEnum | None  # type: ignore[valid-type]
    to_status: AssignmentStatusEnum  # type: ignore[valid-type]
    from_assignees: list[strawberry.ID]
    to_assignees: list[strawberry.ID]
    reason: str


@strawberry.type(
    description="派单: a topic's task for a reporter or a team, with deadline, feedback and history"
)
class Assignment:
    id: strawberry.ID
    topic_id: strawberry.ID
    assignee_ids: list[strawberry.ID] = strawberry.field(
        description="one reporter, or the members of a team"
    )
    kind: AssignmentKindEnum  # type: ignore[valid-type]
    deadline: datetime
    note: str
    status: AssignmentStatusEnum  # type: ignore[valid-type]
    reason: str | None = strawberry.field(
        description="the last decline, cancellation or reassignment reason"
    )
    story_id: strawberry.ID | None = strawberry.field(description="the story filed for it")
    history: list[AssignmentEvent]
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    overdue_recorded: bool = strawberry.field(
        description="the deadline job recorded this deadline as missed"
    )

    @staticmethod
    def from_doc(doc: AssignmentDoc) -> Assignment:
        history = [
            AssignmentEvent(
                at=ms_to_dt(int(h["at"])),
                actor=h.get("actor"),
                kind=str(h["kind"]),
                from_status=rules.AssignmentStatus(h["from_status"])
                if h.get("from_status")
                else None,
                to_status=rules.AssignmentStatus(h["to_status"]),
                from_assignees=_ids(h.get("from_assignees") or []),
                to_assignees=_ids(h.get("to_assignees") or []),
                reason=str(h.get("reason") or ""),
            )
            for _, h in sorted(doc.history.items())
        ]
        return Assignment(
            id=strawberry.ID(doc.id),
            topic_id=strawberry.ID(doc.topic_id),
            assignee_ids=_ids(doc.assignees),
            kind=doc.kind,
            deadline=ms_to_dt(doc.deadline),
            note=doc.note,
            status=doc.status,
            reason=doc.reason,
            story_id=strawberry.ID(doc.story_id) if doc.story_id else None,
            history=history,
            created_by=doc.created_by,
            created_at=ms_to_dt(doc.created_at),
            updated_at=ms_to_dt(doc.updated_at),
            version=doc.version,
            overdue_recorded=doc.overdue_deadline is not None
            and doc.overdue_deadline == doc.deadline,
        )

    @strawberry.field(
        description="超期: the deadline has passed and it is neither filed nor cancelled"
    )
    def overdue(self) -> bool:
        return rules.is_overdue(
            rules.AssignmentStatus(self.status), dt_to_ms(self.deadline) or 0, now_ms()
        )

    @strawberry.field(description="承接人")
    async def assignees(self, info: Info[Context, None]) -> list[StaffMember]:
        return await _people(info, [str(i) for i in self.assignee_ids])

    @strawberry.field
    async def topic(self, info: Info[Context, None]) -> Topic | None:
        doc = await loaders(info).topic.load(str(self.topic_id))
        return Topic.from_doc(doc) if doc else None

    @strawberry.field(description="the filed story (null before filing or if you may not see it)")
    async def story(self, info: Info[Context, None]) -> Story | None:
        if not self.story_id:
            return None
        doc = await loaders(info).story.load(str(self.story_id))
        return Story.from_doc(doc) if doc else None


@story_link("assignment")
async def assignment_for_story(info: Info[Context, None], story_id: str) -> Assignment | None:
    """Story.assignment: the assignment a story was filed for (batched per request)."""
    doc = await loaders(info).of_story.load(story_id)
    return Assignment.from_doc(doc) if doc else None


@strawberry.type
class StatusCount:
    status: AssignmentStatusEnum  # type: ignore[valid-type]
    count: int


def status_counts(counts: dict[str, int]) -> list[StatusCount]:
    return [
        StatusCount(status=rules.AssignmentStatus(k), count=v)
        for k, v in counts.items()
        if k in rules.AssignmentStatus._value2member_map_
    ]


@strawberry.type(description="一个人的在办派单: open work, what is late, counts by status")
class Workload:
    person: StaffMember
    open: list[Assignment]
    late: list[Assignment]
    counts: list[StatusCount]


@strawberry.type(description="指挥调度: who works on what, what is late, what waits for someone")
class DispatchBoard:
    generated_at: datetime
    people: list[Workload] = strawberry.field(description="per person, people with late work first")
    late: list[Assignment] = strawberry.field(
        description="超期: open assignments past their deadline"
    )
    declined: list[Assignment] = strawberry.field(description="拒单: waiting for 改派 or 撤销")
    unstaffed_topics: list[Topic] = strawberry.field(
        description="approved topics nobody has been assigned to"
    )
    leads_awaiting_triage: list[Lead] = strawberry.field(description="new leads, oldest first")
    leads_awaiting_triage_count: int
    counts: list[StatusCount] = strawberry.field(
        description="all the center's assignments by status"
    )


# ---- connections and inputs -----------------------------------------------------------
@strawberry.type
class LeadEdge:
    cursor: str
    node: Lead


@strawberry.type
class LeadConnection:
    edges: list[LeadEdge]
    page_info: PageInfo


@strawberry.type
class TopicEdge:
    cursor: str
    node: Topic


@strawberry.type
class TopicConnection:
    edges: list[TopicEdge]
    page_info: PageInfo


@strawberry.type
class AssignmentEdge:
    cursor: str
    node: Assignment


@strawberry.type
class AssignmentConnection:
    edges: list[AssignmentEdge]
    page_info: PageInfo


def page_info(page: Page[Any], after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=after is not None,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )


@strawberry.input
class LeadFilter:
    status: LeadStatusEnum | None = None  # type: ignore[valid-type]
    source: LeadSourceEnum | None = None  # type: ignore[valid-type]


@strawberry.input
class AssignmentFilter:
    topic_id: strawberry.ID | None = None
    assignee: strawberry.ID | None = strawberry.field(default=None, description="a user id")
    mine: bool = strawberry.field(default=False, description="only assignments of the caller")
    status: AssignmentStatusEnum | None = None  # type: ignore[valid-type]


@strawberry.input(description="报料: a new lead")
class CreateLeadInput:
    title: str
    source: LeadSourceEnum  # type: ignore[valid-type]
    description: str | None = None
    contact: str | None = strawberry.field(default=None, description="报料人联系方式")
    received_at: datetime | None = strawberry.field(
        default=None, description="when the tip came in (default: now)"
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="the submitting system's id for this tip (app 报料 number, 舆情监测 alert id): "
        "sent again, the lead already recorded from the same submitter is returned",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_HELP)


@strawberry.input(description="选题申报")
class ProposeTopicInput:
    title: str
    summary: str | None = None
    channels: list[str] = strawberry.field(
        default_factory=list, description="planned channels (names from `channels`)"
    )
    column_id: strawberry.ID | None = None
    lead_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="accepted leads behind it"
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_HELP)


@strawberry.input(
    description="修改选题: fields left out stay as they are; null clears summary and column"
)
class UpdateTopicInput:
    title: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    channels: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="planned channels, replacing the current ones"
    )
    column_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="planned column (栏目)"
    )


@strawberry.input(description="派单")
class DispatchAssignmentInput:
    topic_id: strawberry.ID
    assignees: list[strawberry.ID] = strawberry.field(
        description="user ids: one reporter, or the members of a team"
    )
    deadline: datetime
    kind: AssignmentKindEnum = rules.AssignmentKind.TEXT  # type: ignore[valid-type]
    note: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_HELP)
