"""Record 传播效果 points into a running demo's store, the way the scheduled fetches do
(hub/reach/collect.py's record_point), for the dashboard's browser test: run as
`python -m tests.browser.reach_points` with the demo's settings in the environment and
a JSON list of points on stdin ({story_id, channel, slot, at_ms, previous, values,
title, reporter}). A separate process: the test process keeps its own store."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from hub.embedded.store import running_store_uri
from hub.reach.collect import StoryFacts, record_point
from hub.settings import Settings
from hub.wiring import connect


async def main() -> None:
    settings = Settings()
    uri = running_store_uri(Path(settings.data_dir) / "store")
    assert uri, "the demo's store is not running"
    db = await connect(uri, settings.mongodb_db, timeout_s=30)
    try:
        for p in json.load(sys.stdin):
            await record_point(
                tenant=settings.default_tenant,
                publication_id=f"{p['story_id']}:{p['channel']}:reach-test",
                story_id=p["story_id"],
                channel=p["channel"],
                slot=p["slot"],
                at_ms=p["at_ms"],
                previous=p["previous"],
                values=p["values"],
                story=StoryFacts(p["title"], p.get("column_id"), {"reporter": p["reporter"]}),
            )
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
