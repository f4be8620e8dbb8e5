"""数据看板 and its big-screen mode in headless Chromium against a real `ronghub demo`.

The demo publishes its stories on the app channel; points are recorded into its store
by the collector's own code (hub/reach/collect.py, in a separate process, as the
scheduled fetches would: the schedule's minutes are too slow for a test, and the path
from readers and platforms to points is tests/e2e/test_reach.py's), including a
platform's correction. The chief editor's dashboard then shows them — top stories, a
story's reach curve, totals per channel (with the correction) and column, 学习强国
投稿/采用, a person's month — with the hub's SVG charts; the big-screen mode shows the
month in large type. Pages are photographed at desktop and phone width and checked
with axe-core; every request stays on the hub and scripts call only public doors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from hub.embedded.store import free_port
from tests.browser.conftest import seeded_data, wait_ready
from tests.browser.harness import (
    DEMO_PASSWORD,
    Browser,
    browser_for,
    check_page,
    chromium_available,
)
from tests.e2e.test_demo_cli import TOKEN, Demo, child_env, ronghub_command

pytestmark = pytest.mark.slow

# what the dashboard's scripts may call: the public GraphQL API, the hub's charts, the session door
PUBLIC_DOORS = ("/graphql", "/reach/charts/", "/console/session")
STATE: dict[str, Any] = {}
ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 1200.0


class ReachDemo(Demo):
    """`ronghub demo` running this checkout's hub (the installed script may point at another one)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"demo-{self.port}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [ronghub_command(), "demo", "--port", str(self.port)],
                env=demo_env(data_dir),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )


def demo_env(data_dir: Path) -> dict[str, str]:
    return {**child_env(data_dir=str(data_dir), dev_token=TOKEN), "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    reuse = os.environ.get(
        "RONGHUB_REACH_TEST_HUB"
    )  # a demo already running (writing the tests): its URL,
    if reuse:  # and its data folder in RONGHUB_REACH_TEST_DATA
        existing = Demo.__new__(Demo)
        existing.url, existing.data_dir = (
            reuse.rstrip("/"),
            Path(os.environ["RONGHUB_REACH_TEST_DATA"]),
        )
        yield existing
        return
    running = ReachDemo(
        seeded_data(tmp_path_factory, tmp_path_factory.mktemp("reach-demo") / "data")
    )
    try:
        # seeding commits the search index story by story: on a shared, busy machine that
        # took over six minutes, so the bound is wider than the console tests' (the wait
        # ends as soon as /readyz answers)
        wait_ready(running, READY_SECONDS)
        yield running
    finally:
        running.terminate()


@pytest.fixture(scope="module")
def browser(demo: Demo) -> Iterator[Browser]:
    if not chromium_available():
        pytest.fail(
            "chromium and chromedriver are missing: run scripts/test (it installs them with apt-get)"
        )
    yield from browser_for(demo.url)


def gql(
    base: str,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    r = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers or {},
        timeout=30,
    )
    body = r.json()
    assert r.status_code == 200 and not body.get("errors"), body
    return dict(body["data"])


def staff(base: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return gql(base, query, variables, {"authorization": f"Bearer {TOKEN}"})


def wait_for(condition: Any, what: str, seconds: float = 180.0) -> Any:
    """Poll until `condition()` is truthy; the upper bound only names the failure."""
    deadline = time.monotonic() + seconds
    while True:
        got = condition()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def charts_drawn(browser: Browser, at_least: int) -> bool:
    """At least this many of the page's charts are painted (an SVG from the hub, decoded)."""
    return bool(
        browser.driver.execute_script(
            "const imgs = Array.from(document.querySelectorAll('img[data-chart]'));"
            "return imgs.filter(i => i.dataset.drawn && i.complete && i.naturalWidth > 0).length >= arguments[0]",
            at_least,
        )
    )


def test_points_recorded_by_the_collector_are_the_month_s_reach(demo: Demo) -> None:
    stories = [
        e["node"]
        for e in gql(demo.url, "{ stories(first: 3) { edges { node { id title } } } }")["stories"][
            "edges"
        ]
    ]
    assert len(stories) == 3
    a, b, _ = stories
    users = {u["username"]: u["id"] for u in staff(demo.url, "{ users { id username } }")["users"]}
    now = int(time.time() * 1000)
    hour = 3_600_000
    points = []
    for story, channel, counts in (
        (a, "douyin", [12_000, 30_000, 28_500]),
        (a, "app", [400, 1_200]),
        (b, "wechat", [800, 5_000]),
    ):
        previous: dict[str, int] = {}
        for slot, views in enumerate(
            counts, start=1
        ):  # 抖音 corrects a's count at its third fetch (bot views removed)
            values = {"views": views, "likes": views // 100}
            points.append(
                {
                    "story_id": story["id"],
                    "channel": channel,
                    "slot": slot,
                    "at_ms": now - (len(counts) - slot) * hour,
                    "previous": previous,
                    "values": values,
                    "title": story["title"],
                    "reporter": users["demo-reporter1"],
                }
            )
            previous = values
    for _ in range(2):  # the collection re-run: nothing is counted twice
        proc = subprocess.run(
            [sys.executable, "-m", "tests.browser.reach_points"],
            input=json.dumps(points),
            text=True,
            cwd=ROOT,
            env=demo_env(demo.data_dir),
            capture_output=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
    month = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))
    top = staff(
        demo.url,
        "query($m: String) { topStories(month: $m, limit: 3) { storyId value people } }",
        {"m": month},
    )["topStories"]
    assert [(t["storyId"], t["value"]) for t in top[:2]] == [
        (a["id"], 31_200),
        (b["id"], 5_000),
    ]  # 30,000 + 1,200 gained
    assert top[0]["people"].get(
        "reporter"
    )  # the demo's own app fetches may have named its author since
    STATE.update(a=a, b=b, month=month)


def test_the_dashboard_shows_top_stories_curves_totals_and_a_person_s_month(
    browser: Browser,
) -> None:
    a, b = STATE["a"], STATE["b"]
    browser.sign_in("demo-chief")
    browser.find("a[data-nav=reach]")
    browser.drain_requests()
    browser.click("a[data-nav=reach]")
    browser.wait_text(a["title"], "#reach-top")
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "#reach-top tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows[:2]] == [
        a["title"],
        b["title"],
    ]
    assert [r.find_elements(By.TAG_NAME, "td")[2].text for r in rows[:2]] == ["31,200", "5,000"]
    browser.wait_text("抖音", "#reach-channels")
    rows = {
        r.find_element(By.TAG_NAME, "th").text: [
            td.text for td in r.find_elements(By.TAG_NAME, "td")
        ]
        for r in browser.driver.find_elements(By.CSS_SELECTOR, "#reach-channels tbody tr")
    }
    assert (
        rows["抖音"][0] == "30,000" and rows["抖音"][-1] == "1,500"
    )  # growth, and the platform's correction apart
    assert rows["微信公众号"][0] == "5,000" and rows["客户端"][0] == "1,200"
    assert (
        "客户端" in browser.find("#reach-kpis").text
        and browser.find("#reach-xuexi").text == "0 / 0"
    )  # the demo sends nothing to 学习强国
    assert browser.find("#reach-columns tbody tr") is not None
    browser.wait(lambda: charts_drawn(browser, 4), "top, curve, channel mix and person charts")
    assert browser.find("#reach-curve-title").text == a["title"]
    # a person's month: the figures of whoever is chosen are the API's (the demo's own app
    # fetches name the demo's author on its stories, so the list holds more than our reporter)
    person = Select(browser.find("#reach-person")).first_selected_option.get_attribute("value")
    mine = staff(
        browser.base_url,
        "query($p: String!, $m: String!) { personReach(person: $p, month: $m) { stories totals { views } } }",
        {"p": person, "m": STATE["month"]},
    )["personReach"]
    summary = browser.find("#reach-person-summary").text
    assert summary.startswith(f"本月参与 {mine['stories']} 篇") and summary.endswith(
        f"{mine['totals']['views'] or 0:,}"
    ), summary
    assert "示例记者甲" in browser.find("#reach-person").text  # the center's users are offered too
    check_page(browser, "reach-dashboard", lambda: charts_drawn(browser, 4))

    # another story's curve, on a click
    browser.click(f"button.curve[data-story='{b['id']}']")
    browser.wait(lambda: browser.find("#reach-curve-title").text == b["title"], "story b's curve")
    browser.wait(lambda: charts_drawn(browser, 4), "the charts again")

    # another month: nothing yet, said in words
    browser.settled()  # a month input takes no typed text in Chromium: set it as its picker would
    browser.driver.execute_script("document.querySelector('#reach-month').value = '2020-01'")
    browser.click("#reach-period button[type=submit]")
    browser.wait_text("本月还没有传播数据", "main")

    assert browser.foreign_requests() == []
    calls = [r["url"] for r in browser.requests if r["type"] in ("Fetch", "XHR", "WebSocket")]
    assert calls and all(any(door in u for door in PUBLIC_DOORS) for u in calls), calls
    assert any("/reach/charts/story.svg" in u for u in calls)


def test_the_big_screen_mode_shows_the_month_in_large_type(browser: Browser) -> None:
    browser.route("#/reach")
    browser.settled()  # back to this month (the last test looked at another): the wall shows the month chosen
    browser.driver.execute_script(
        "document.querySelector('#reach-month').value = arguments[0]", STATE["month"]
    )
    browser.click("#reach-period button[type=submit]")
    browser.wait_text(STATE["a"]["title"], "#reach-top")
    browser.route("#/reach/screen")
    total = browser.find("#reach-total")
    browser.wait(lambda: browser.find("#reach-total").text not in ("", "0"), "the month's total")
    assert int(total.text.replace(",", "")) >= 36_200
    assert browser.driver.execute_script("return document.body.classList.contains('screen')")
    assert STATE["a"]["title"] in browser.find("#reach-wall-top").text
    check_page(browser, "reach-screen", lambda: charts_drawn(browser, 1))
    browser.click_text("退出大屏", "a")
    browser.find("#reach-top")
    assert not browser.driver.execute_script("return document.body.classList.contains('screen')")


def test_people_s_figures_are_for_chiefs_and_the_page_is_for_the_newsroom(browser: Browser) -> None:
    browser.sign_out()
    browser.sign_in("demo-reporter1")
    browser.click("a[data-nav=reach]")
    browser.find("#reach-top")
    assert not browser.driver.find_elements(
        By.CSS_SELECTOR, "#reach-person"
    )  # no user.read: no one's month
    browser.sign_out()
    browser.go("")  # a 融媒号 operator (no newsroom role): their home differs, so sign in by hand
    browser.fill("#login-user", "demo-town")
    browser.fill("#login-pass", DEMO_PASSWORD)
    browser.click("#login button[type=submit]")
    browser.find("#sign-out")
    browser.wait(
        lambda: browser.driver.execute_script(
            "return document.querySelector('a[data-nav=reach]').hidden"
        ),
        "数据看板 left out of a 融媒号 operator's menu",
    )
    browser.route("#/reach")
    browser.wait_text("无权访问", "main")
