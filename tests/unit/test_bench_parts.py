"""The benchmark's own parts: the baseline serves exact bytes, miss requests are all distinct."""

from __future__ import annotations

import json

from litestar.testing import TestClient

from bench.bare import create_bare_app
from bench.load import Load, _parse, _wrk_script
from bench.readpath import miss_bodies
from bench.seed import Seeded
from hub.store import cursor as cursors


def test_the_bare_endpoint_answers_with_exactly_the_given_bytes() -> None:
    body = b'{"data":{"stories":{"edges":[]}}}'
    with TestClient(app=create_bare_app(body)) as client:
        posted = client.post("/graphql", content=b'{"query":"{ x }"}')
        got = client.get("/graphql")
    assert posted.status_code == 200 and posted.content == body
    assert got.content == body and got.headers["content-type"] == "application/json"


def test_miss_requests_are_distinct_full_pages_after_real_cursors() -> None:
    seeded = Seeded(tenant="t", column_ids=["a", "b"])
    seeded.stories = [("ab"[i % 2], 1_000 + i, f"s{i:03d}") for i in range(100)]
    bodies = miss_bodies(seeded, limit=1_000)
    assert (
        len(bodies) == len(set(bodies)) == 100 - 2 * 20
    )  # the 20 oldest per column have short next pages
    first = json.loads(bodies[0])
    at, story_id = cursors.decode(first["variables"]["a"], "published_at")
    assert (first["variables"]["c"], at, story_id) in seeded.stories


def test_the_wrk_script_reports_its_figures_as_one_json_line() -> None:
    script = _wrk_script(
        Load("http://127.0.0.1:1/graphql", ['{"query":"{ a }"}'], {"x-bench": "1"})
    )
    assert 'wrk.body = [====[{"query":"{ a }"}]====]' in script
    assert (
        "wrk.headers[ [====[x-bench]====] ] = [====[1]====]" in script
    )  # `[[` would open a string
    line = 'BENCH_JSON {"requests": 3, "p99": 1500}'
    assert _parse("Running 1s test\n" + line + "\n") == {"requests": 3, "p99": 1500}


def test_story_requests_are_one_per_story_and_the_mix_is_seven_reads_to_three_writes() -> None:
    from bench.readpath import mix_bodies, story_bodies

    seeded = Seeded(tenant="t", column_ids=["a", "b"])
    seeded.stories = [("ab"[i % 2], 1_000 + i, f"s{i:03d}") for i in range(100)]
    stories = story_bodies(seeded)
    assert len(stories) == len(set(stories)) == 100
    assert {json.loads(b)["variables"]["id"] for b in stories} == {s for _, _, s in seeded.stories}
    bodies, tags = mix_bodies(seeded, count=2_000)
    assert len(bodies) == len(tags) == 2_000
    writes = [b for b, t in zip(bodies, tags, strict=True) if t == "write"]
    assert 0.27 < len(writes) / 2_000 < 0.33
    assert all(json.loads(b)["query"].startswith("mutation") for b in writes)


def test_the_wrk_script_of_paths_gets_each_path_with_the_headers() -> None:
    load = Load(
        "http://127.0.0.1:1/feeds/s/feed.json",
        [],
        {"authorization": "Bearer t"},
        paths=["/feeds/s/feed.json?after=0&limit=50", "/feeds/s/feed.json?after=7&limit=50"],
    )
    script = _wrk_script(load)
    assert 'wrk.method = "GET"' in script and "wrk.body" not in script
    assert "[====[/feeds/s/feed.json?after=7&limit=50]====]," in script
    assert 'return wrk.format("GET", paths[i + 1])' in script
    assert "wrk.headers[ [====[authorization]====] ] = [====[Bearer t]====]" in script
    assert "BENCH_JSON" in script  # the same one-line report
