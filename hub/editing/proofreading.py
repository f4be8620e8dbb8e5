"""三校: proofreading rounds (一校, 二校, 三校) recorded as tracked changes between revisions.

Starting a round records its proofreader (the caller) and the story's current revision
as its base; the proofreader edits with the normal `updateStory` (under the edit lock
like anyone); completing the round records the revision reached. Its tracked changes
(修订痕迹) are the diff between the two revisions, computed from the immutable
revisions whenever asked, with per-field insertion/deletion counts stored at
completion. Rounds go in order, one open at a time, at most three.
The review chain asks `completed_proof_rounds` before 签发.
"""

from __future__ import annotations

from beanie.odm.enums import SortDirection
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.audit.deferred import record
from hub.editing import people
from hub.editing.documents import ProofRoundDoc
from hub.editing.errors import EditingCodes
from hub.editing.rules import ROUNDS, FieldTrack, round_label, track_stats, tracked_changes
from hub.errors import HubError
from hub.events.bus import publish
from hub.ids import now_ms
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted

TOPIC = "story"
OPEN = "open"
COMPLETED = "completed"


async def completed_proof_rounds(tenant: str, story_id: str) -> int:
    """How many proofreading rounds of the story are complete (0-3)."""
    docs = await ProofRoundDoc.find(
        {"tenant": tenant, "story_id": story_id, "status": COMPLETED}
    ).to_list()
    return len(docs)


async def rounds(scope: Scope, story_id: str) -> list[ProofRoundDoc]:
    await StoryRepository(scope).require(story_id)  # the caller's visibility rules
    return await _rounds(scope.tenant, story_id)


async def _rounds(tenant: str, story_id: str) -> list[ProofRoundDoc]:
    return (
        await ProofRoundDoc.find({"tenant": tenant, "story_id": story_id})
        .sort([("number", SortDirection.ASCENDING)])
        .to_list()
    )


def _open_error(doc: ProofRoundDoc) -> HubError:
    return HubError(
        EditingCodes.PROOF_ROUND_OPEN,
        label=round_label(doc.number),
        proofreader=doc.proofreader_name or doc.proofreader,
        story_id=doc.story_id,
    )


async def start(scope: Scope, story_id: str, note: str = "") -> ProofRoundDoc:
    """Open the next round on the story's current revision, with the caller as proofreader."""
    stories = StoryRepository(scope)
    actor = stories._require_writer()
    story = await stories._require_any(story_id)  # exists, and the caller may edit it
    existing = await _rounds(scope.tenant, story_id)
    for doc in existing:
        if doc.status == OPEN:
            raise _open_error(doc)
    number = len(existing) + 1
    if number > ROUNDS:
        raise HubError(EditingCodes.PROOF_ROUNDS_DONE, story_id=story_id)
    await stories.ensure_head_revision(story)
    doc = ProofRoundDoc(
        id=ProofRoundDoc.make_id(story_id, number),
        tenant=scope.tenant,
        story_id=story_id,
        number=number,
        proofreader=actor,
        proofreader_name=await people.display_name(scope.tenant, actor),
        base_revision=story.revision,
        note=note.strip(),
    )
    try:
        await doc.insert()  # the unique id claims the number: of two starting at once, one wins
    except DuplicateKeyError:
        raced = await ProofRoundDoc.find_one({"_id": doc.id, "tenant": scope.tenant})
        raise _open_error(raced or doc) from None
    await publish(
        scope.tenant,
        TOPIC,
        "proof.started",
        story_id,
        actor,
        {"number": number, "label": round_label(number), "base_revision": story.revision},
    )
    await record(
        scope.tenant,
        actor,
        "story.proof.start",
        "story",
        story_id,
        {"round": number, "base_revision": story.revision, "content_hash": story.content_hash},
    )
    return doc


async def complete(scope: Scope, story_id: str, note: str | None = None) -> ProofRoundDoc:
    """Close the open round at the story's current revision and record its tracked changes."""
    stories = StoryRepository(scope)
    actor = stories._require_writer()
    story = await stories._require_any(story_id)
    open_round = next((d for d in await _rounds(scope.tenant, story_id) if d.status == OPEN), None)
    if open_round is None:
        raise HubError(EditingCodes.PROOF_NO_OPEN_ROUND, story_id=story_id)
    if open_round.proofreader != actor:
        raise HubError(
            EditingCodes.PROOF_NOT_PROOFREADER,
            label=round_label(open_round.number),
            proofreader=open_round.proofreader_name or open_round.proofreader,
        )
    base = await stories.revision(story_id, open_round.base_revision)
    final = await stories.revision(story_id, story.revision)
    stats = track_stats(tracked_changes(base.content, final.content))
    fields = {
        "status": COMPLETED,
        "final_revision": story.revision,
        "completed_at": now_ms(),
        "stats": stats,
    }
    if note is not None:
        fields["note"] = note.strip()
    raw = await Tenanted(ProofRoundDoc, scope.tenant).find_one_and_update(
        {"_id": open_round.id, "status": OPEN},
        {"$set": fields},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        raise HubError(EditingCodes.PROOF_NO_OPEN_ROUND, story_id=story_id)
    doc = ProofRoundDoc.model_validate(raw)
    summary = {
        "number": doc.number,
        "label": round_label(doc.number),
        "base_revision": doc.base_revision,
        "final_revision": doc.final_revision,
        "fields": sorted(stats),
    }
    await publish(scope.tenant, TOPIC, "proof.completed", story_id, actor, summary)
    await record(
        scope.tenant,
        actor,
        "story.proof.complete",
        "story",
        story_id,
        {**summary, "content_hash": final.content_hash},
    )
    return doc


async def changes(scope: Scope, doc: ProofRoundDoc) -> list[FieldTrack]:
    """The round's tracked changes: base → final revision (an open round: base → current head)."""
    stories = StoryRepository(scope)
    head = doc.final_revision
    if head is None:
        head = (await stories.require(doc.story_id)).revision
    if head == doc.base_revision:
        return []
    base = await stories.revision(doc.story_id, doc.base_revision)
    final = await stories.revision(doc.story_id, head)
    return tracked_changes(base.content, final.content)
