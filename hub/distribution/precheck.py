"""Before 签发: what a channel's `validate` can already know stops the approval.

A variant a channel would refuse (a missing 发文机关, a severity that is not 1–4, a
title over the platform's limit, settings the channel needs and the center lacks) is
refused when the story is approved, with every problem named, rather than discovered
by the worker afterwards. Each planned channel renders and validates the revision with
the channel settings and approval facts delivery will use; numbers a channel issues
once (索引号) are not drawn here (an in-memory sequence stands in).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pymongo.errors import PyMongoError

from hub.distribution import publications as pubs
from hub.distribution import render_input
from hub.distribution.documents import PublicationDoc
from hub.distribution.engine import Distribution
from hub.errors import ErrorKind, HubError
from hub.store.documents import RevisionDoc

NOT_DELIVERABLE = ErrorKind(
    "APPROVAL_CHANNEL_PROBLEMS",
    "签发未完成:「{channel}」渠道{first}(共 {count} 个问题,见 details.problems)。请修改稿件、渠道稿或渠道设置后再签发。",
    "Not approved: channel {channel} would refuse it ({count} problems, see details.problems); fix them and approve again.",
    409,
)


async def problems(
    engine: Distribution, rev: RevisionDoc, approval: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every blocking problem the planned channels find in `rev` (as approved with `approval`).

    The channels are checked side by side, on the story's publications read once: one after
    the other, each read them twice and its media and settings once (49 store round trips
    for a story planned for seven channels); side by side their reads by id go together
    (hub/store/coalesce.py). The problems come in the channels' order."""
    targets = list(rev.content.channels or engine.default_channels)
    if approval.get("urgent"):
        targets = [c for c in targets if c in set(approval.get("only_channels") or ())]
    known = set(engine.channels.names())
    channels = [c for c in targets if c in known]
    if not channels:
        return []
    of_story = await pubs.of_story(rev.tenant, rev.story_id)
    outcomes = await asyncio.gather(
        *(_channel_problems(engine, rev, approval, c, of_story) for c in channels),
        return_exceptions=True,
    )
    found: list[dict[str, Any]] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome  # the store, not the revision: the approval fails as the store's error
        found += outcome
    return found


async def _channel_problems(
    engine: Distribution,
    rev: RevisionDoc,
    approval: Mapping[str, Any],
    channel: str,
    of_story: list[PublicationDoc],
) -> list[dict[str, Any]]:
    """The blocking problems of one channel (see `problems`)."""
    try:
        inp = await render_input.preview_input(
            engine, rev.tenant, rev.story_id, rev, channel, approval, of_story
        )
        _, probs = await render_input.render(engine, inp)
    except PyMongoError:
        raise  # the store, not the revision: the approval fails as the store's error
    except HubError as exc:  # e.g. an override of a field the channel does not allow
        return [
            {
                "channel": channel,
                "code": exc.code,
                "field": "",
                "message_zh": exc.message_zh,
                "message_en": exc.message_en,
            }
        ]
    except (
        Exception
    ) as exc:  # the plugin cannot render this revision: delivery would fail the same way
        return [
            {
                "channel": channel,
                "code": "CHANNEL_PLUGIN_FAILED",
                "field": "",
                "message_zh": f"渠道插件无法生成稿件({type(exc).__name__})",
                "message_en": f"{type(exc).__name__}: {exc}"[:300],
            }
        ]
    return [
        {
            "channel": channel,
            "code": p.code,
            "field": p.field,
            "message_zh": p.message_zh,
            "message_en": p.message_en,
        }
        for p in probs
        if p.blocking
    ]


async def refuse_undeliverable(
    engine: Distribution, rev: RevisionDoc, approval: Mapping[str, Any]
) -> None:
    """Raise APPROVAL_CHANNEL_PROBLEMS when a planned channel would refuse the revision."""
    found = await problems(engine, rev, approval)
    if found:
        first = found[0]
        raise HubError(
            NOT_DELIVERABLE,
            channel=first["channel"],
            first=f":{first['message_zh']}",
            count=len(found),
            problems=found,
        )
