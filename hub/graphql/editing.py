"""GraphQL for editing (编): edit locks, comments and @mentions, notifications, 三校."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub.editing import comments as comment_store
from hub.editing import locks, notifications, proofreading
from hub.editing.documents import CommentDoc, NotificationDoc, ProofRoundDoc, StoryLockDoc
from hub.editing.rules import FieldTrack, LockView, round_label
from hub.graphql.context import Context
from hub.graphql.types import FieldChange, ms_to_dt, story_link
from hub.ids import now_ms
from hub.store.idempotency import IDEMPOTENCY_KEY_HELP, create_once


@strawberry.type(description="编辑锁: who is editing a story, until when")
class StoryLock:
    story_id: strawberry.ID
    holder: str = strawberry.field(description="the holder's user id")
    holder_name: str | None = strawberry.field(description="显示名(用户名)")
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime

    @staticmethod
    def from_doc(doc: StoryLockDoc) -> StoryLock:
        return StoryLock(
            story_id=strawberry.ID(doc.id),
            holder=doc.holder or "",
            holder_name=doc.holder_name,
            acquired_at=ms_to_dt(doc.acquired_at),
            renewed_at=ms_to_dt(doc.renewed_at),
            expires_at=ms_to_dt(doc.expires_at),
        )


@strawberry.type(
    description="批注定位: a field and a character range (the body counted in its plain text) and/or a quote"
)
class CommentAnchor:
    field: str
    start: int | None
    end: int | None
    quote: str | None
    revision: int | None = strawberry.field(description="the revision the comment was written on")


@strawberry.input(description="批注定位")
class CommentAnchorInput:
    field: str = strawberry.field(description="title, subtitle, summary, body or byline")
    start: int | None = None
    end: int | None = None
    quote: str | None = strawberry.field(default=None, description="the passage commented on")


@strawberry.input
class AddCommentInput:
    story_id: strawberry.ID
    text: str = strawberry.field(description="plain text; @username mentions a colleague")
    anchor: CommentAnchorInput | None = None
    reply_to: strawberry.ID | None = strawberry.field(
        default=None, description="a comment of the thread to reply in"
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY_HELP)


@strawberry.type(description="批注: a comment on a story, with its thread of replies")
class Comment:
    id: strawberry.ID
    story_id: strawberry.ID
    thread_id: strawberry.ID
    parent_id: strawberry.ID | None
    author: str
    author_name: str | None
    text: str
    anchor: CommentAnchor | None
    mentions: list[str] = strawberry.field(description="usernames mentioned and notified")
    unknown_mentions: list[str] = strawberry.field(
        description="@names that are no user of this center (nobody notified)"
    )
    resolved: bool
    resolved_by: str | None
    resolved_at: datetime | None
    deleted: bool
    created_at: datetime
    edited_at: datetime | None
    _replies: strawberry.Private[list[CommentDoc] | None]

    @strawberry.field(
        description="replies in this thread (on the thread's first comment), oldest first"
    )
    async def replies(self, info: Info[Context, None]) -> list[Comment]:
        if self.id != self.thread_id:
            return []
        docs = self._replies
        if docs is None:
            all_docs = await _service(info).for_story(str(self.story_id))
            docs = [d for d in all_docs if d.thread_id == self.id and d.id != self.id]
        return [Comment.from_doc(d) for d in docs]

    @staticmethod
    def from_doc(doc: CommentDoc, replies: list[CommentDoc] | None = None) -> Comment:
        anchor = None
        if doc.anchor_field:
            anchor = CommentAnchor(
                field=doc.anchor_field,
                start=doc.anchor_start,
                end=doc.anchor_end,
                quote=doc.anchor_quote,
                revision=doc.anchor_revision,
            )
        return Comment(
            id=strawberry.ID(doc.id),
            story_id=strawberry.ID(doc.story_id),
            thread_id=strawberry.ID(doc.thread_id),
            parent_id=strawberry.ID(doc.parent_id) if doc.parent_id else None,
            author=doc.author,
            author_name=doc.author_name,
            text=doc.text,
            anchor=anchor,
            mentions=sorted(doc.mentions.values()),
            unknown_mentions=list(doc.unknown_mentions),
            resolved=bool(doc.resolved_at),
            resolved_by=doc.resolved_by,
            resolved_at=ms_to_dt(doc.resolved_at or None),
            deleted=bool(doc.deleted_at),
            created_at=ms_to_dt(doc.created_at),
            edited_at=ms_to_dt(doc.edited_at or None),
            _replies=replies,
        )


@strawberry.type(description="通知: an @mention or a lock taken over")
class Notification:
    id: strawberry.ID
    kind: str = strawberry.field(description="mention | lock_taken_over")
    text: str
    story_id: strawberry.ID | None
    comment_id: strawberry.ID | None
    actor: str | None
    created_at: datetime
    read: bool

    @staticmethod
    def from_doc(doc: NotificationDoc) -> Notification:
        return Notification(
            id=strawberry.ID(doc.id),
            kind=doc.kind,
            text=doc.text,
            story_id=strawberry.ID(doc.story_id) if doc.story_id else None,
            comment_id=strawberry.ID(doc.comment_id) if doc.comment_id else None,
            actor=doc.actor,
            created_at=ms_to_dt(doc.created_at),
            read=bool(doc.read_at),
        )


@strawberry.type(description="a stretch of text inserted or deleted, at a character offset")
class TextSpan:
    at: int
    text: str


@strawberry.type(
    description="修订痕迹 of one field: insertions (offsets in the new text) and deletions (in the old)"
)
class TrackedChange:
    field: str
    insertions: list[TextSpan]
    deletions: list[TextSpan]
    inserted_chars: int
    deleted_chars: int
    diff: FieldChange

    @staticmethod
    def from_domain(t: FieldTrack) -> TrackedChange:
        return TrackedChange(
            field=t.field,
            insertions=[TextSpan(at=a, text=x) for a, x in t.insertions],
            deletions=[TextSpan(at=a, text=x) for a, x in t.deletions],
            inserted_chars=t.inserted_chars,
            deleted_chars=t.deleted_chars,
            diff=FieldChange.from_domain(t.change),
        )


@strawberry.type(description="校次: one of 一校/二校/三校, and its tracked changes")
class ProofRound:
    story_id: strawberry.ID
    number: int
    label: str
    proofreader: str
    proofreader_name: str | None
    status: str = strawberry.field(description="open | completed")
    base_revision: int
    final_revision: int | None
    started_at: datetime
    completed_at: datetime | None
    note: str
    _doc: strawberry.Private[ProofRoundDoc]

    @strawberry.field(
        description="修订痕迹: base → final revision (an open round: base → current revision)"
    )
    async def changes(self, info: Info[Context, None]) -> list[TrackedChange]:
        return [
            TrackedChange.from_domain(t)
            for t in await proofreading.changes(info.context.scope, self._doc)
        ]

    @staticmethod
    def from_doc(doc: ProofRoundDoc) -> ProofRound:
        return ProofRound(
            story_id=strawberry.ID(doc.story_id),
            number=doc.number,
            label=round_label(doc.number),
            proofreader=doc.proofreader,
            proofreader_name=doc.proofreader_name,
            status=doc.status,
            base_revision=doc.base_revision,
            final_revision=doc.final_revision,
            started_at=ms_to_dt(doc.started_at),
            completed_at=ms_to_dt(doc.completed_at or None),
            note=doc.note,
            _doc=doc,
        )


def _service(info: Info[Context, None]) -> comment_store.CommentService:
    return comment_store.CommentService(info.context.scope, info.context.settings.comment_max_chars)


def _seconds(info: Info[Context, None], seconds: int | None) -> int:
    return seconds if seconds is not None else info.context.settings.edit_lock_seconds


@story_link("lock")
async def lock_for_story(info: Info[Context, None], story_id: str) -> StoryLock | None:
    """Story.lock: the story's live edit lock, batched per request (one read for a page)."""
    loader = getattr(info.context, "_lock_loader", None)
    if loader is None:
        scope = info.context.scope

        async def load(ids: list[str]) -> list[StoryLockDoc | None]:
            found = await locks.live_locks(scope, ids, now_ms())
            return [found.get(i) for i in ids]

        loader = DataLoader(load_fn=load)
        setattr(info.context, "_lock_loader", loader)  # noqa: B010 - one per request
    doc = await loader.load(story_id)
    return StoryLock.from_doc(doc) if doc is not None else None


@strawberry.type
class EditingQuery:
    @strawberry.field(description="稿件当前的编辑锁; null when nobody holds a live lock")
    async def story_lock(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> StoryLock | None:
        await info.context.stories.require(str(story_id))
        doc = await locks.current(info.context.scope, str(story_id))
        if doc is None or not LockView(doc.holder, doc.expires_at).live(now_ms()):
            return None
        return StoryLock.from_doc(doc)

    @strawberry.field(description="稿件的批注 (threads: first comments, each with its replies)")
    async def comments(
        self, info: Info[Context, None], story_id: strawberry.ID, include_resolved: bool = True
    ) -> list[Comment]:
        docs = await _service(info).for_story(str(story_id), include_resolved)
        replies: dict[str, list[CommentDoc]] = {}
        for d in docs:
            if d.thread_id != d.id:
                replies.setdefault(d.thread_id, []).append(d)
        return [Comment.from_doc(d, replies.get(d.id, [])) for d in docs if d.thread_id == d.id]

    @strawberry.field(description="我的通知 (newest first)")
    async def my_notifications(
        self, info: Info[Context, None], unread_only: bool = False, first: int = 50
    ) -> list[Notification]:
        first = max(0, min(first, info.context.settings.graphql_max_page))
        return [
            Notification.from_doc(d)
            for d in await notifications.mine(info.context.scope, unread_only, first)
        ]

    @strawberry.field(description="稿件的校次 (三校), in order, with their tracked changes")
    async def proof_rounds(
        self, info: Info[Context, None], story_id: strawberry.ID
    ) -> list[ProofRound]:
        return [
            ProofRound.from_doc(d)
            for d in await proofreading.rounds(info.context.scope, str(story_id))
        ]


@strawberry.type
class EditingMutation:
    @strawberry.mutation(
        description="申请编辑锁 (or renew one's own); refused with STORY_LOCKED while a colleague holds it"
    )
    async def acquire_story_lock(
        self, info: Info[Context, None], story_id: strawberry.ID, seconds: int | None = None
    ) -> StoryLock:
        doc = await locks.acquire(info.context.scope, str(story_id), _seconds(info, seconds))
        return StoryLock.from_doc(doc)

    @strawberry.mutation(
        description="续期编辑锁 (heartbeat); LOCK_NOT_HELD if it expired and someone else took it"
    )
    async def renew_story_lock(
        self, info: Info[Context, None], story_id: strawberry.ID, seconds: int | None = None
    ) -> StoryLock:
        doc = await locks.acquire(
            info.context.scope, str(story_id), _seconds(info, seconds), renew_only=True
        )
        return StoryLock.from_doc(doc)

    @strawberry.mutation(description="释放编辑锁")
    async def release_story_lock(self, info: Info[Context, None], story_id: strawberry.ID) -> bool:
        await locks.release(info.context.scope, str(story_id))
        return True

    @strawberry.mutation(
        description="接管编辑锁: an expired lock anyone who may edit; a live one only chief editors, final "
        "reviewers and administrators; the previous holder is notified"
    )
    async def take_over_story_lock(
        self,
        info: Info[Context, None],
        story_id: strawberry.ID,
        reason: str = "",
        seconds: int | None = None,
    ) -> StoryLock:
        doc = await locks.acquire(
            info.context.scope,
            str(story_id),
            _seconds(info, seconds),
            takeover=True,
            reason=reason.strip(),
        )
        return StoryLock.from_doc(doc)

    @strawberry.mutation(
        description="写批注 (or reply in a thread); @username notifies a colleague"
    )
    async def add_comment(self, info: Info[Context, None], input: AddCommentInput) -> Comment:
        anchor = None
        if input.anchor is not None:
            a = input.anchor
            anchor = comment_store.Anchor(field=a.field, start=a.start, end=a.end, quote=a.quote)
        service = _service(info)
        values = {k: v for k, v in dataclasses.asdict(input).items() if k != "idempotency_key"}
        doc = await create_once(
            info.context.scope,
            "addComment",
            input.idempotency_key,
            values,
            lambda comment_id: service.add(
                str(input.story_id),
                input.text,
                anchor,
                str(input.reply_to) if input.reply_to else None,
                comment_id=comment_id,
            ),
            service.find,
        )
        return Comment.from_doc(doc, [])

    @strawberry.mutation(description="修改自己的批注")
    async def edit_comment(
        self, info: Info[Context, None], id: strawberry.ID, text: str
    ) -> Comment:
        return Comment.from_doc(await _service(info).edit(str(id), text))

    @strawberry.mutation(description="删除自己的批注 (its replies stay)")
    async def delete_comment(self, info: Info[Context, None], id: strawberry.ID) -> Comment:
        return Comment.from_doc(await _service(info).delete(str(id)))

    @strawberry.mutation(description="解决 (or reopen with resolved: false) a comment thread")
    async def resolve_comment(
        self, info: Info[Context, None], id: strawberry.ID, resolved: bool = True
    ) -> Comment:
        return Comment.from_doc(await _service(info).resolve(str(id), resolved))

    @strawberry.mutation(description="标记通知已读 (ids omitted: all); returns how many changed")
    async def mark_notifications_read(
        self, info: Info[Context, None], ids: list[strawberry.ID] | None = None
    ) -> int:
        return await notifications.mark_read(
            info.context.scope, [str(i) for i in ids] if ids is not None else None
        )

    @strawberry.mutation(
        description="开始校对: the next of 一校/二校/三校 on the current revision, the caller proofreading"
    )
    async def start_proof_round(
        self, info: Info[Context, None], story_id: strawberry.ID, note: str = ""
    ) -> ProofRound:
        return ProofRound.from_doc(
            await proofreading.start(info.context.scope, str(story_id), note)
        )

    @strawberry.mutation(
        description="完成校对: close the open round at the current revision, recording its tracked changes"
    )
    async def complete_proof_round(
        self, info: Info[Context, None], story_id: strawberry.ID, note: str | None = None
    ) -> ProofRound:
        return ProofRound.from_doc(
            await proofreading.complete(info.context.scope, str(story_id), note)
        )
