"""批注: comments on a story, threads of replies, resolve, @mentions.

A comment may be anchored to a passage (field + character range in the field's text,
the body counted in its plain text, and/or the quoted passage) of the revision it was
written on. Replies are comments of their own carrying their thread's root. `@name`
is looked up among the users of the caller's center: each one found gets a stored
notice and a bus event; names not found come back in `unknown_mentions` (and are
kept on the comment) instead of being dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument

from hub.audit.deferred import record
from hub.editing import notifications, people
from hub.editing.documents import CommentDoc
from hub.editing.errors import EditingCodes
from hub.editing.rules import ANCHOR_FIELDS, anchor_text, check_anchor, clean_text, mentions
from hub.errors import Codes, HubError, invalid
from hub.events.bus import publish
from hub.ids import new_id, now_ms
from hub.store.after_commit import after_commit
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted

TOPIC = "comment"


@dataclass(frozen=True)
class Anchor:
    field: str
    start: int | None = None
    end: int | None = None
    quote: str | None = None


def _not_found(comment_id: str) -> HubError:
    return HubError(Codes.NOT_FOUND, what_zh="批注", what_en="comment", id=comment_id)


class CommentService:
    def __init__(self, scope: Scope, max_chars: int) -> None:
        self.scope = scope
        self.max_chars = max_chars
        self.stories = StoryRepository(scope)

    @property
    def _actor(self) -> str:
        return self.stories._require_writer()

    def _text(self, text: str) -> str:
        cleaned = clean_text(text)
        if not cleaned:
            raise HubError(EditingCodes.COMMENT_EMPTY)
        if len(cleaned) > self.max_chars:
            raise HubError(EditingCodes.COMMENT_TOO_LONG, length=len(cleaned), limit=self.max_chars)
        return cleaned

    async def find(self, comment_id: str) -> CommentDoc | None:
        """The comment, None if there is none (or its story is not the caller's to see)."""
        try:
            return await self.get(comment_id)
        except HubError:
            return None

    async def get(self, comment_id: str) -> CommentDoc:
        doc = await CommentDoc.find_one({"_id": comment_id, "tenant": self.scope.tenant})
        if doc is None:
            raise _not_found(comment_id)
        await self.stories.require(doc.story_id)  # the caller must see the story
        return doc

    async def for_story(self, story_id: str, include_resolved: bool = True) -> list[CommentDoc]:
        """Every comment of a story (roots and replies), oldest first."""
        await self.stories.require(story_id)
        q: dict[str, Any] = {"tenant": self.scope.tenant, "story_id": story_id}
        docs = (
            await CommentDoc.find(q)
            .sort([("created_at", SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)])
            .to_list()
        )
        if not include_resolved:
            open_threads = {d.id for d in docs if d.thread_id == d.id and not d.resolved_at}
            docs = [d for d in docs if d.thread_id in open_threads]
        return docs

    async def add(
        self,
        story_id: str,
        text: str,
        anchor: Anchor | None = None,
        reply_to: str | None = None,
        comment_id: str | None = None,
    ) -> CommentDoc:
        """A comment (id `comment_id`, an idempotent create's, or a new one); one already
        there with that id raises DuplicateKeyError."""
        actor = self._actor
        cleaned = self._text(text)
        story = await self.stories.require(story_id)
        thread_id: str | None = None
        if reply_to is not None:
            parent = await self.get(reply_to)
            if parent.story_id != story_id:
                raise invalid(
                    "replyTo",
                    "回复的批注不属于这篇稿件",
                    "the comment replied to is on another story",
                )
            if parent.deleted_at:
                raise HubError(EditingCodes.COMMENT_DELETED)
            thread_id = parent.thread_id
            anchor = None  # a reply sits in its thread, not on the text
        fields: dict[str, Any] = {}
        if anchor is not None:
            content = story.content()
            if anchor.field not in ANCHOR_FIELDS:
                raise HubError(
                    EditingCodes.COMMENT_BAD_ANCHOR,
                    reason_zh=f"只能批注 {', '.join(ANCHOR_FIELDS)}",
                    reason_en=f"anchor fields: {', '.join(ANCHOR_FIELDS)}",
                )
            problem = check_anchor(
                anchor_text(content, anchor.field), anchor.start, anchor.end, anchor.quote
            )
            if problem is not None:
                raise HubError(
                    EditingCodes.COMMENT_BAD_ANCHOR, reason_zh=problem.zh, reason_en=problem.en
                )
            fields = {
                "anchor_field": anchor.field,
                "anchor_start": anchor.start,
                "anchor_end": anchor.end,
                "anchor_quote": anchor.quote,
                "anchor_revision": story.revision,
            }
        found, unknown = await self._mentions(cleaned)
        comment_id = comment_id or new_id()
        doc = CommentDoc(
            id=comment_id,
            tenant=self.scope.tenant,
            story_id=story_id,
            thread_id=thread_id or comment_id,
            parent_id=reply_to,
            author=actor,
            author_name=await people.display_name(self.scope.tenant, actor),
            text=cleaned,
            mentions=found,
            unknown_mentions=unknown,
            **fields,
        )
        await doc.insert()
        kind = "comment.replied" if reply_to else "comment.created"
        # the comment is stored: its announcement, audit entry and mention notices follow and
        # cannot turn it into an error (a retry would post it twice)
        await after_commit("comment.announce", self._announce(doc, kind), comment=doc.id)
        await after_commit("comment.notify", self._notify(doc, found), comment=doc.id)
        return doc

    async def edit(self, comment_id: str, text: str) -> CommentDoc:
        actor = self._actor
        cleaned = self._text(text)
        doc = await self._own(comment_id, actor)
        found, unknown = await self._mentions(cleaned)
        fresh = {k: v for k, v in found.items() if k not in doc.mentions}
        updated = await self._cas(
            doc,
            {
                "text": cleaned,
                "mentions": found,
                "unknown_mentions": unknown,
                "edited_at": now_ms(),
            },
        )
        await self._announce(updated, "comment.edited")
        await self._notify(updated, fresh)
        return updated

    async def delete(self, comment_id: str) -> CommentDoc:
        """Delete one's own comment: its text goes, its place in the thread stays for the replies."""
        actor = self._actor
        doc = await self._own(comment_id, actor)
        updated = await self._cas(
            doc, {"text": "", "mentions": {}, "unknown_mentions": [], "deleted_at": now_ms()}
        )
        await self._announce(updated, "comment.deleted")
        return updated

    async def resolve(self, comment_id: str, resolved: bool) -> CommentDoc:
        """Resolve (or reopen) a thread: anyone who may edit the story may."""
        actor = self._actor
        doc = await self.get(comment_id)
        root = doc if doc.thread_id == doc.id else await self.get(doc.thread_id)
        await self.stories._require_any(root.story_id)  # write reach on the story
        fields: dict[str, Any] = (
            {"resolved_at": now_ms(), "resolved_by": actor}
            if resolved
            else {"resolved_at": 0, "resolved_by": None}
        )
        updated = await self._cas(root, fields)
        await self._announce(updated, "comment.resolved" if resolved else "comment.reopened")
        return updated

    # ---- parts -----------------------------------------------------------------------
    async def _own(self, comment_id: str, actor: str) -> CommentDoc:
        doc = await self.get(comment_id)
        if doc.author != actor:
            raise HubError(EditingCodes.COMMENT_NOT_AUTHOR)
        if doc.deleted_at:
            raise HubError(EditingCodes.COMMENT_DELETED)
        return doc

    async def _mentions(self, text: str) -> tuple[dict[str, str], list[str]]:
        """(user id → username of the users mentioned, names that are no user here)."""
        names = mentions(text)
        found = await people.users_by_name(self.scope.tenant, names)
        return {uid: name for name, uid in found.items()}, [n for n in names if n not in found]

    async def _cas(self, doc: CommentDoc, fields: dict[str, Any]) -> CommentDoc:
        raw = await Tenanted(CommentDoc, self.scope.tenant).find_one_and_update(
            {"_id": doc.id, "version": doc.version},
            {"$set": fields, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            raise HubError(EditingCodes.COMMENT_CONFLICT, comment_id=doc.id)
        return CommentDoc.model_validate(raw)

    async def _announce(self, doc: CommentDoc, kind: str) -> None:
        data = {
            "comment_id": doc.id,
            "thread_id": doc.thread_id,
            "story_id": doc.story_id,
            "mentions": sorted(doc.mentions),
        }
        await publish(self.scope.tenant, TOPIC, kind, doc.story_id, self.scope.actor, data)
        await record(
            self.scope.tenant,
            self.scope.actor,
            f"story.{kind}",
            "story",
            doc.story_id,
            {
                "comment_id": doc.id,
                "thread_id": doc.thread_id,
                "mentions": sorted(doc.mentions),
                **await people.story_state(self.scope.tenant, doc.story_id),
            },
        )

    async def _notify(self, doc: CommentDoc, found: dict[str, str]) -> None:
        excerpt = doc.text if len(doc.text) <= 80 else doc.text[:79] + "…"
        for user_id, username in found.items():
            if user_id == doc.author:
                continue  # mentioning oneself notifies nobody
            note = await notifications.notify(
                self.scope.tenant,
                user_id,
                "mention",
                f"{doc.author_name or doc.author} 在批注中提到了你:{excerpt}",
                story_id=doc.story_id,
                comment_id=doc.id,
                actor=doc.author,
            )
            await publish(
                self.scope.tenant,
                TOPIC,
                "comment.mention",
                doc.story_id,
                self.scope.actor,
                {
                    "comment_id": doc.id,
                    "user_id": user_id,
                    "username": username,
                    "notification_id": note.id,
                },
            )
