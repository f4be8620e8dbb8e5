"""Store round trips of a signed feed page, pinned (issue 15): the numbers of the page's
entries in one find; the entries not remembered yet by `_id` (hub/feeds/entries.py); the
count that guards against holes only the first time a range is read (the log never gets
holes that fill later, hub/feeds/complete.py); none at all for a page of numbers read
before (hub/feeds/runs.py). A new query on this path shows up here."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from hub.feeds import complete, entries, runs
from tests.conftest import CommandCounter
from tests.feeds.helpers import make_partner, publish, subscribe

# the client and the subscription are read through hub/store/coalesce.py (one find each,
# shared with concurrent requests)
COUNTED = {"feed_items", "oauth_clients", "feed_subscriptions"}


async def _page(
    http: httpx.AsyncClient, counter: CommandCounter, url: str, headers: dict[str, str]
) -> tuple[Counter[tuple[str, str]], dict[str, Any]]:
    counter.clear()
    r = await http.get(url, headers=headers)
    assert r.status_code == 200, r.text
    return Counter(t for t in counter.targets if t[1] in COUNTED), r.json()


async def test_a_feed_page_costs_one_find_of_the_log_once_its_range_was_counted(
    http: httpx.AsyncClient, drain: Any, command_counter: CommandCounter
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    stories = [await publish(http, partner, f"往返稿件{i}") for i in range(3)]
    await drain()
    complete.forget()
    entries.forget()
    runs.forget()
    url = f"/feeds/{sub['id']}/feed.json?limit=2"
    first, doc = await _page(http, command_counter, url, partner.headers)
    page = [i["_ronghub"]["story_id"] for i in doc["items"]]  # in log order (as distributed)
    assert len(page) == 2 and set(page) < set(stories)
    assert first == Counter(
        {
            ("find", "oauth_clients"): 1,
            ("find", "feed_subscriptions"): 1,
            ("find", "feed_items"): 2,  # the numbers, then the entries by `_id`
            ("aggregate", "feed_items"): 1,  # the hole guard's count, this range's first read
        }
    )
    again, doc = await _page(http, command_counter, url, partner.headers)
    assert [i["_ronghub"]["story_id"] for i in doc["items"]] == page
    # the page's numbers are a run read before (hub/feeds/runs.py), its entries are
    # remembered: the log is not asked at all
    assert again == Counter({("find", "oauth_clients"): 1, ("find", "feed_subscriptions"): 1})
    # nor for a page after another cursor inside that run
    inside, doc = await _page(
        http,
        command_counter,
        f"/feeds/{sub['id']}/feed.json?after={doc['items'][0]['_ronghub']['seq']}&limit=1",
        partner.headers,
    )
    assert [i["_ronghub"]["story_id"] for i in doc["items"]] == page[1:]
    assert inside == again
    # the next page asks for more than the run holds: the numbers again and the entry not
    # remembered yet; its range was counted with the first page's (read ahead: a page's
    # query takes the next page's numbers too, hub/feeds/log.py READ_AHEAD)
    cursor = doc["_ronghub"]["cursor"]
    later, doc = await _page(
        http, command_counter, f"/feeds/{sub['id']}/feed.json?after={cursor}", partner.headers
    )
    assert [i["_ronghub"]["story_id"] for i in doc["items"]] == sorted(set(stories) - set(page))
    assert later[("aggregate", "feed_items")] == 0 and later[("find", "feed_items")] == 2


async def test_the_page_after_a_page_read_from_the_store_is_in_its_run(
    http: httpx.AsyncClient, drain: Any, command_counter: CommandCounter
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    stories = [await publish(http, partner, f"预读稿件{i}") for i in range(5)]
    await drain()
    runs.forget()
    first, doc = await _page(
        http, command_counter, f"/feeds/{sub['id']}/feed.json?limit=2", partner.headers
    )
    assert first[("find", "feed_items")] >= 1 and doc["_ronghub"]["more"] is True
    # the query took the next page's numbers too: reading on asks the log only for the
    # entries not remembered yet (by `_id`), neither their numbers nor a count
    following, doc = await _page(
        http,
        command_counter,
        f"/feeds/{sub['id']}/feed.json?after={doc['_ronghub']['cursor']}&limit=2",
        partner.headers,
    )
    assert following == Counter(
        {("find", "oauth_clients"): 1, ("find", "feed_subscriptions"): 1, ("find", "feed_items"): 1}
    )
    assert len(doc["items"]) == 2 and set(i["_ronghub"]["story_id"] for i in doc["items"]) < set(
        stories
    )
