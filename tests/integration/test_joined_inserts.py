"""Inserts of concurrent requests joined into one unordered `insert_many`
(hub/store/bulk.py `insert_joined`), on the real store: each caller hears of its own
document only (inserted, or its `_id` taken), and many inserts cost few commands."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import DuplicateKeyError

from hub.clock import SteppedClock
from hub.domain.story import build_content
from hub.ids import new_id
from hub.store.bulk import Joiner, insert_joined
from hub.store.documents import RevisionDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import CommandCounter

pytestmark = pytest.mark.usefixtures("hub_url")


def _revision(tenant: str, story_id: str, number: int, title: str) -> RevisionDoc:
    content = build_content({"title": title, "body_text": "正文"}, 10_000)
    return RevisionDoc(
        id=RevisionDoc.make_id(story_id, number),
        tenant=tenant,
        story_id=story_id,
        number=number,
        content=content,
        content_hash=content.content_hash(),
        created_at=1,
        author="editor",
    )


async def test_concurrent_inserts_go_together_and_each_hears_of_its_own_document(
    command_counter: CommandCounter,
) -> None:
    tenant = "joined-" + new_id()
    taken = _revision(tenant, "s-taken", 1, "先到")
    await taken.insert()
    joiner = Joiner()
    docs = [_revision(tenant, f"s{i}", 1, f"版本{i}") for i in range(20)]
    command_counter.clear()
    outcomes = await asyncio.gather(
        *(joiner.insert(d) for d in docs),
        joiner.insert(_revision(tenant, "s-taken", 1, "后到")),
        return_exceptions=True,
    )
    assert outcomes[:20] == [None] * 20
    assert isinstance(outcomes[20], DuplicateKeyError)
    assert sum(1 for t in command_counter.targets if t == ("insert", "revisions")) == 1
    stored = await RevisionDoc.find({"tenant": tenant}).to_list()
    assert sorted(d.story_id for d in stored) == sorted(["s-taken", *(f"s{i}" for i in range(20))])
    [first] = [d for d in stored if d.story_id == "s-taken"]
    assert first.content.title == "先到"  # the later insert changed nothing


async def test_the_same_id_twice_at_once_is_inserted_once_and_the_other_hears_it_is_taken() -> None:
    tenant = "joined-" + new_id()
    a, b = _revision(tenant, "s", 1, "甲"), _revision(tenant, "s", 1, "乙")
    outcomes = await asyncio.gather(insert_joined(a), insert_joined(b), return_exceptions=True)
    assert outcomes.count(None) == 1
    assert sum(isinstance(o, DuplicateKeyError) for o in outcomes) == 1
    assert len(await RevisionDoc.find({"tenant": tenant}).to_list()) == 1


async def test_concurrent_creates_each_store_their_story_with_its_first_revision() -> None:
    tenant = "joined-" + new_id()
    repo = StoryRepository(Scope(tenant, actor="editor", public_only=False))
    made = await asyncio.gather(
        *(repo.create({"title": f"并发稿{i}", "body_text": "正文"}) for i in range(12))
    )
    stored = {d.id: d for d in await StoryDoc.find({"tenant": tenant}).to_list()}
    assert sorted(stored) == sorted(d.id for d in made)
    revisions = await RevisionDoc.find({"tenant": tenant}).to_list()
    assert sorted((r.story_id, r.number) for r in revisions) == sorted((d.id, 1) for d in made)
    with pytest.raises(DuplicateKeyError):  # an idempotent create's id already there
        await repo.create({"title": "重复"}, story_id=made[0].id)
    assert (await StoryDoc.find_one({"_id": made[0].id})).title == "并发稿0"  # type: ignore[union-attr]


async def test_a_joined_insert_stores_what_beanies_insert_stores(clock: SteppedClock) -> None:
    """`insert_joined` sends pydantic's JSON-mode dump instead of Beanie's encoding (16x
    cheaper): a story head with its outbox event and a revision come back the same. (The
    stepped clock: both heads get the same `created_at`, however far apart they are built.)"""
    from hub.store.documents import OutboxEntry

    tenant = "joined-" + new_id()
    content = build_content(
        {"title": "同样", "summary": "摘要", "body_text": "正文" * 50, "tags": ["甲", "乙"]}, 10_000
    )
    event = OutboxEntry(
        kind="story.created",
        version=1,
        revision=1,
        data={"n": 1, "nested": {"a": [1, "二"]}},
        audit={"actor": "editor", "details": {"version": 1, "status": "draft"}},
    )

    def head(story_id: str) -> StoryDoc:
        return StoryDoc(
            id=story_id,
            tenant=tenant,
            content_hash=content.content_hash(),
            outbox={event.id: event},
            has_outbox=True,
            created_by="editor",
            **{
                **content.model_dump(),
                "tags": list(content.tags),
                "asset_ids": [],
                "metadata": {"k": {"v": [1, 2]}},
            },
        )

    by_beanie, joined = head("s-beanie-" + new_id()), head("s-joined-" + new_id())
    await by_beanie.insert()
    await insert_joined(joined)
    rev_beanie, rev_joined = (
        _revision(tenant, by_beanie.id, 1, "同样"),
        _revision(tenant, joined.id, 1, "同样"),
    )
    await rev_beanie.insert()
    await insert_joined(rev_joined)
    for model, a, b in (
        (StoryDoc, by_beanie.id, joined.id),
        (RevisionDoc, rev_beanie.id, rev_joined.id),
    ):
        coll = model.get_pymongo_collection()
        raw_a, raw_b = await coll.find_one({"_id": a}), await coll.find_one({"_id": b})
        assert raw_a is not None and raw_b is not None
        differ = {"_id", "story_id"}
        assert {k: v for k, v in raw_a.items() if k not in differ} == {
            k: v for k, v in raw_b.items() if k not in differ
        }
        assert (await model.get(b)) is not None  # and Beanie reads it back
