"""融汇编辑台 end to end in headless Chromium against a real `ronghub demo`.

The newsroom's whole path through the console's UI: a lead becomes a topic and an
assignment (指挥调度, the chief editor), the reporter accepts it and files a draft with
a cover for the app and 学习强国, three reviewers sign 初审 → 复审 → 终审(签发) each in
their own signed-in session, and the story goes live on both channels. Along the way a
version conflict and a lock takeover are shown and resolved, and a reporter is kept out
of the review and admin pages. Every page is photographed at desktop and phone width
(tests/output/console/), checked with axe-core, and every request the browser made is
checked: nothing outside the hub, and scripts call only the public doors.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.browser.harness import DEMO_PASSWORD, Browser, check_page
from tests.conftest import seed_files
from tests.media.helpers import image_bytes

pytestmark = pytest.mark.slow

# what the console's scripts may call (fetch / XHR / websocket): the public GraphQL API, the
# media endpoints and the console's own session door
PUBLIC_DOORS = ("/graphql", "/media/", "/console/session")
STATE: dict[str, Any] = {}
SEED_TEXT = next(p for p in seed_files() if p.name.startswith("003")).read_text(encoding="utf-8")
SEED_TITLE = "泌阳融媒:创新机制 融赢未来"
SEED_PARAGRAPHS = [
    line.strip()
    for line in SEED_TEXT.splitlines()
    if line.strip().startswith(("泌阳县融媒体中心", "2、"))
][:2]
assert (
    SEED_TITLE in SEED_TEXT and len(SEED_PARAGRAPHS) == 2
)  # what one step hands the next (the tests of this module run in order)


def api(
    browser: Browser, username: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Another client of the hub (a colleague's app) acting beside the browser."""
    tokens = STATE.setdefault("tokens", {})
    for _ in range(
        2
    ):  # a token older than its lifetime (the module outlasts one on a busy machine): sign in again
        if username not in tokens:
            r = httpx.post(
                f"{browser.base_url}/oauth/token",
                data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
                timeout=120,
            )
            assert r.status_code == 200, r.text
            tokens[username] = r.json()["access_token"]
        r = httpx.post(
            f"{browser.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {tokens[username]}"},
            timeout=120,
        )
        body = r.json()
        if [e.get("extensions", {}).get("code") for e in body.get("errors") or []] != [
            "TOKEN_EXPIRED"
        ]:
            break
        del tokens[username]
    assert not body.get("errors"), body
    return dict(body["data"])


def select_text(browser: Browser, css: str, contains: str) -> None:
    def chosen() -> bool:
        select = Select(browser.find(css))
        for option in select.options:
            if contains in option.text:
                select.select_by_visible_text(option.text)
                return bool(select.first_selected_option.text == option.text)
        return False

    browser.wait(chosen, f"option {contains!r} in {css}")


def set_deadline(browser: Browser) -> None:
    browser.driver.execute_script(
        "const d = document.querySelector('#as-deadline'); d.value = arguments[0]; d.dispatchEvent(new Event('input'))",
        time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 86_400)),
    )


def test_login_page_is_chinese_labelled_and_accessible(browser: Browser) -> None:
    browser.go("")
    browser.find("#login-user")
    assert (
        "融汇编辑台" in browser.driver.title
        and "用户名" in browser.text()
        and "密码" in browser.text()
    )
    check_page(browser, "00-login")
    browser.fill("#login-user", "demo-reporter1")
    browser.fill("#login-pass", "wrong-password")
    browser.click("#login button[type=submit]")
    browser.wait_text("用户名或密码不正确")
    assert "ronghub_console" not in browser.cookie_names()


def test_chief_editor_turns_a_lead_into_a_topic_and_dispatches_it(browser: Browser) -> None:
    # the center's administrator has the same 三审 name 终审 as the stage that signs a 撤稿
    stages = [
        {"key": "first", "name": "初审", "role": "reviewer:first"},
        {"key": "second", "name": "复审", "role": "reviewer:second"},
        {"key": "final", "name": "终审", "role": "reviewer:final"},
    ]
    api(
        browser,
        "demo-admin",
        "mutation($i: ReviewChainInput!) { createReviewChain(input: $i) { id } }",
        {
            "i": {
                "name": f"三审(撤稿由终审签批){int(time.time())}",
                "stages": stages,
                "takedownStage": 2,
            }
        },
    )
    browser.sign_in("demo-chief")
    browser.click_text("指挥调度", "a")
    browser.find("#lead-title")
    lead = f"青山镇暴雨报料 {int(time.time())}"
    STATE["lead"] = lead
    browser.fill("#lead-title", lead)
    browser.click("#lead button[type=submit]")
    browser.wait_text(lead, ".board")
    accept = browser.wait(
        lambda: next(
            (
                b
                for b in browser.driver.find_elements(By.CSS_SELECTOR, "[data-accept]")
                if lead in b.find_element(By.XPATH, "..").text
            ),
            None,
        ),
        "采纳 button",
    )
    accept.click()
    browser.wait_text("已采纳", "#toast")
    browser.settled()
    topic = f"暴雨过后青山镇的重建 {int(time.time())}"
    STATE["topic"] = topic
    browser.fill("#topic-title", topic)
    select_text(browser, "#topic-lead", lead)
    browser.click("#topic button[type=submit]")
    browser.wait_text("已报题", "#toast")
    browser.settled()
    approve = browser.wait(
        lambda: next(
            (
                b
                for b in browser.driver.find_elements(By.CSS_SELECTOR, "[data-approve]")
                if topic in b.find_element(By.XPATH, "..").text
            ),
            None,
        ),
        "批准 button",
    )
    approve.click()
    browser.wait_text("选题已批准", "#toast")
    browser.settled()
    select_text(browser, "#as-topic", topic)
    select_text(browser, "#as-user", "demo-reporter1")
    set_deadline(browser)
    browser.click("#assign button[type=submit]")
    browser.wait_text("已派单", "#toast")
    browser.settled()
    # a second reporter on the same topic, then 改派 to the first: a dialog, a reason, a new deadline
    select_text(browser, "#as-topic", topic)
    select_text(browser, "#as-user", "demo-reporter2")
    set_deadline(browser)
    browser.click("#assign button[type=submit]")
    second = browser.wait(
        lambda: next(
            (
                b
                for b in browser.driver.find_elements(By.CSS_SELECTOR, "[data-reassign]")
                if topic in b.find_element(By.XPATH, "..").text
                and "示例记者乙" in b.find_element(By.XPATH, "..").text
            ),
            None,
        ),
        "改派 button",
    )
    assignment = second.get_attribute("data-reassign")
    second.click()
    browser.find("#reassign-dialog[open]")
    check_page(browser, "07-dispatch-reassign")
    select_text(browser, "#ra-user", "demo-reporter1")
    browser.fill("#ra-reason", "乙在外地采访,改由甲负责")
    browser.click("#reassign button[type=submit]")
    browser.wait_text("已改派", "#toast")
    moved = api(
        browser,
        "demo-chief",
        "query($id: ID!) { assignment(id: $id) { assignees { displayName } history { reason } } }",
        {"id": assignment},
    )["assignment"]
    assert [p["displayName"] for p in moved["assignees"]] == ["示例记者甲"], moved
    assert any(h["reason"] == "乙在外地采访,改由甲负责" for h in moved["history"]), moved
    browser.settled()
    check_page(browser, "07-dispatch")
    browser.sign_out()


def test_reporter_files_a_draft_with_a_cover_for_app_and_xuexi(
    browser: Browser, tmp_path: Path
) -> None:
    browser.sign_in("demo-reporter1")
    browser.wait_text(STATE["topic"], "section")  # 我的派单, with its deadline
    browser.wait_text("截止", "section")
    browser.click("[data-accept-assignment]")
    browser.click("[data-start-assignment]")
    check_page(browser, "01-home")
    browser.click("[data-assignment]")
    browser.fill("#new-title", SEED_TITLE)
    browser.click("#new button[type=submit]")
    browser.find("#f-body")
    STATE["story"] = browser.driver.current_url.rsplit("/", 1)[1]
    browser.wait_text("你正在编辑", "#lock-banner")
    browser.fill("#f-subtitle", "泌阳县融媒体中心的改革实践")
    browser.fill("#f-summary", "泌阳县融媒体中心挂牌以来,突出“融”的理念,实施“移动优先”战略。")
    body = browser.find("#f-body")
    body.click()
    body.send_keys(SEED_PARAGRAPHS[0])
    browser.click_text("标题")  # the toolbar turns the paragraph into a heading and back
    browser.click_text("段落")
    # a picture from the media library (uploaded into it from the picker) with its caption
    picture = tmp_path / "building.png"
    picture.write_bytes(image_bytes("PNG", (640, 360)))
    browser.click_text("插图")
    browser.find("#picker[open]")
    browser.driver.find_element(By.CSS_SELECTOR, "#picker-upload").send_keys(str(picture))
    browser.find('#picker-list [aria-selected="true"]')
    check_page(browser, "02-editor-media")
    browser.fill("#picker-caption", "泌阳县融媒体中心演播室")
    browser.click("#picker-ok")
    browser.wait_text("泌阳县融媒体中心演播室", "#f-body figure figcaption")
    browser.fill("#f-source", "青山镇融媒体中心")
    browser.click(
        'details[data-channel="wechat"] > summary'
    )  # not a chosen channel: its texts are folded
    browser.fill("#ov-wechat-digest", "泌阳融媒的改革经验")  # the 公众号 digest, a per-channel text
    browser.fill("#comment-text", "@demo-chief 请看一下导语")
    browser.click("#comment-form button[type=submit]")
    browser.wait_text("请看一下导语", "#comments")
    for channel in ("app", "xuexi"):
        box = browser.find(f"input[name=channel][value={channel}]")
        if not box.is_selected():
            box.click()
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(image_bytes("JPEG", (940, 400)))
    browser.driver.find_element(By.CSS_SELECTOR, "#f-cover").send_keys(str(cover))
    browser.find("#cover img.cover")
    browser.wait_text("已保存", "#save-state")
    story = api(
        browser,
        "demo-reporter1",
        "query($id: ID!) { story(id: $id) { channels channelOverrides cover { id } body summary source { sourceName } assignment { id } assets { id caption } }"
        " comments(storyId: $id) { mentions } }",
        {"id": STATE["story"]},
    )
    assert story["comments"][0]["mentions"]  # the @mention reached the chief editor
    story = story["story"]
    assert sorted(story["channels"]) == ["app", "xuexi"] and story["cover"] and story["assignment"]
    assert story["channelOverrides"]["wechat"]["digest"] == "泌阳融媒的改革经验"
    assert "移动优先" in story["body"] and story["source"]["sourceName"] == "青山镇融媒体中心"
    assert (
        "<figcaption>泌阳县融媒体中心演播室</figcaption>" in story["body"]
        and "data-asset-id" in story["body"]
    )
    assert any(
        a["id"] != story["cover"]["id"] for a in story["assets"]
    )  # the body's picture is one of the story's assets
    browser.find(
        "#cover .focal-dot"
    )  # the cover's focal point, with the crops the channels will cut
    browser.find('#cover img[alt="公众号封面裁切"]')
    check_page(browser, "02-editor")


def test_a_version_conflict_is_shown_and_resolved_by_keeping_my_edit(browser: Browser) -> None:
    sid = STATE["story"]
    # a colleague with the right to take the lock changes the title meanwhile
    version = api(
        browser, "demo-chief", "query($id: ID!) { story(id: $id) { version } }", {"id": sid}
    )["story"]["version"]
    api(
        browser,
        "demo-chief",
        'mutation($id: ID!) { takeOverStoryLock(storyId: $id, reason: "改标题") { holder } }',
        {"id": sid},
    )
    api(
        browser,
        "demo-chief",
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { version } }",
        {"i": {"id": sid, "expectedVersion": version, "title": "总编改过的标题"}},
    )
    api(browser, "demo-chief", "mutation($id: ID!) { releaseStoryLock(storyId: $id) }", {"id": sid})
    lock = "query($id: ID!) { storyLock(storyId: $id) { holderName } }"
    # the reporter's page saw the lock go and come free (live events) and took it back
    browser.wait(
        lambda: (
            (api(browser, "demo-chief", lock, {"id": sid})["storyLock"] or {})
            .get("holderName", "")
            .startswith("示例记者甲")
        ),
        "the reporter's page re-took the lock",
    )
    browser.wait(
        lambda: browser.find("#f-body").get_attribute("contenteditable") == "true", "editable again"
    )
    body = browser.find("#f-body")
    body.click()
    body.send_keys(Keys.CONTROL, Keys.END)  # the caret at the end: a new paragraph after the first
    body.send_keys(Keys.ENTER, SEED_PARAGRAPHS[1])
    browser.wait_text("版本冲突", "#conflict")
    browser.wait_text("总编改过的标题", "#conflict")  # both versions side by side
    check_page(browser, "03-conflict")
    browser.click("#keep-mine")
    browser.wait_text("已保存", "#save-state")

    def mine_saved() -> bool:  # the save lands after the page says so only if it raced an autosave
        story = api(
            browser, "demo-chief", "query($id: ID!) { story(id: $id) { title body } }", {"id": sid}
        )["story"]
        return bool(story["title"] == SEED_TITLE and "互联互通" in story["body"])

    browser.wait(mine_saved, "my edit (the seed title and the new paragraph) is what the hub keeps")
    browser.click("#submit")
    browser.wait_text("初审", "#save-state")
    browser.route("#/review")
    browser.wait_text("无权访问")  # a reporter: no review page
    browser.route("#/admin")
    browser.wait_text("无权访问")
    nav = browser.find("#nav").text
    assert "审核" not in nav and "管理" not in nav
    browser.sign_out()


@pytest.mark.parametrize(
    ("reviewer", "button", "next_stage"),
    [
        ("demo-review1", "通过", "复审"),
        ("demo-review2", "通过", "终审"),
        ("demo-review3", "签发", None),
    ],
)
def test_three_reviewers_sign_in_turn_each_in_their_own_session(
    browser: Browser, reviewer: str, button: str, next_stage: str | None
) -> None:
    sid = STATE["story"]
    browser.sign_in(reviewer)
    browser.wait_text("待我审核")
    browser.click_text("审核", "a")
    browser.find(f'a[href="#/review/{sid}"]')
    if reviewer == "demo-review1":
        check_page(browser, "05-review-queue")
    browser.click(f'a[href="#/review/{sid}"]')
    browser.find("#opinion")
    browser.wait_text(SEED_TITLE, "article")
    if (
        reviewer == "demo-review1"
    ):  # the revisions before submission, compared with the hunks marked
        browser.find("#diff-out .change")
        assert browser.driver.find_elements(By.CSS_SELECTOR, "#diff-out ins, #diff-out del")
    browser.fill("#opinion", f"{reviewer} 同意")
    if reviewer == "demo-review3":
        check_page(browser, "05-review")
    browser.click_text(button)
    browser.wait_text("已签发" if next_stage is None else f"已通过,转{next_stage}", "#toast")
    browser.wait(lambda: browser.driver.current_url.endswith("#/review"), "back at the queue")
    browser.settled()
    assert not browser.driver.find_elements(
        By.CSS_SELECTOR, f'a[href="#/review/{sid}"]'
    )  # left my queue
    round_ = api(
        browser,
        "demo-chief",
        "query($id: ID!) { reviewRound(storyId: $id) { status currentStage { name } } }",
        {"id": sid},
    )["reviewRound"]
    if next_stage:
        assert round_["currentStage"]["name"] == next_stage
    else:
        assert round_["status"] == "approved"
    browser.sign_out()


def test_published_on_app_and_xuexi_as_the_publish_page_shows(browser: Browser) -> None:
    sid = STATE["story"]
    browser.sign_in("demo-reporter1")

    def both_live() -> bool:
        browser.driver.refresh()  # a fresh look each time
        browser.find("table")
        rows = {
            r.get_attribute("data-channel"): r.text
            for r in browser.driver.find_elements(By.CSS_SELECTOR, "tr[data-channel]")
        }
        # 学习强国 pulls its feed: accepted = the item is in the feed it fetches
        return "已上线" in rows.get("app", "") and any(
            s in rows.get("xuexi", "") for s in ("已上线", "平台已接收")
        )

    browser.route(f"#/publish/{sid}")
    browser.wait(both_live, "app and 学习强国 live")
    check_page(browser, "06-publish")
    browser.route(f"#/preview/{sid}")
    browser.find(".preview.xuexi .xuexi-bar")  # each platform drawn in its own shape
    browser.find(".preview.app .app-item")
    assert not browser.driver.find_elements(
        By.CSS_SELECTOR, ".preview.douyin"
    )  # only the chosen channels
    check_page(browser, "04-preview")
    browser.route("#/search")
    browser.fill("#q", "泌阳")
    browser.click("#search button[type=submit]")
    browser.wait_text("共 ", "#results")
    browser.click('[data-facet="status"][data-value="published"]')  # a facet narrows the results

    def narrowed() -> bool:
        chip = browser.driver.find_element(
            By.CSS_SELECTOR, '[data-facet="status"][data-value="published"]'
        )
        return chip.get_attribute("aria-pressed") == "true" and not browser.driver.find_elements(
            By.CSS_SELECTOR, '[data-facet="status"]:not([data-value="published"])'
        )

    browser.wait(narrowed, "only published stories once the facet is pressed")
    assert SEED_TITLE in browser.find("#results").text
    check_page(browser, "08-search")
    browser.sign_out()


def test_a_correction_of_the_published_story_goes_out_as_a_correction(browser: Browser) -> None:
    sid = STATE["story"]
    browser.sign_in("demo-chief")
    browser.wait_text(
        "请看一下导语", 'section[aria-labelledby="h-notes"]'
    )  # the reporter's @mention
    browser.click("#notes-read")
    browser.wait_text("通知已标为已读", "#toast")
    assert (
        api(browser, "demo-chief", "{ myNotifications(unreadOnly: true) { id } }")[
            "myNotifications"
        ]
        == []
    )
    browser.route(f"#/story/{sid}")
    browser.wait_text("此稿已发布", "aside")
    browser.wait_text("你正在编辑", "#lock-banner")
    # the reporter's 批注 answered in its thread, then resolved (it leaves the open list)
    browser.click("#comments [data-reply]")
    browser.wait_text("回复 示例记者甲", "#comment-reply")
    browser.fill("#comment-text", "导语已改好")
    browser.click("#comment-form button[type=submit]")
    browser.wait_text("导语已改好", "#comments")
    browser.click("#comments [data-resolve]")
    browser.wait_text("暂无", "#comments")
    thread = api(
        browser,
        "demo-chief",
        "query($id: ID!) { comments(storyId: $id) { text resolved replies { text } } }",
        {"id": sid},
    )["comments"]
    assert [(c["resolved"], [r["text"] for r in c["replies"]]) for c in thread] == [
        (True, ["导语已改好"])
    ], thread
    browser.fill("#f-subtitle", "泌阳县融媒体中心的改革实践(更正)")
    browser.wait_text("有未提交的更正", "#save-state")  # nothing saved on its own
    browser.click("#save")
    browser.wait_text("请填写更正说明", "#toast")
    browser.fill("#correction-note", "副标题补充“更正”字样")
    browser.click("#save")
    browser.wait_text("更正已提交", "#save-state")
    # a publisher's correction with no correction stage in the chain is approved at once and
    # handed to distribution as 更正 on every planned channel
    story = api(
        browser, "demo-chief", "query($id: ID!) { story(id: $id) { subtitle } }", {"id": sid}
    )["story"]
    assert story["subtitle"].endswith("(更正)"), story
    browser.route(f"#/publish/{sid}")
    browser.wait(lambda: "(更正)" in browser.find("table").text, "the correction's publications")
    actions = api(
        browser,
        "demo-chief",
        "query($id: ID!) { publications(storyId: $id) { channel action } }",
        {"id": sid},
    )["publications"]
    assert {p["channel"] for p in actions if p["action"] == "correct"} == {"app", "xuexi"}, actions
    browser.route("#/")
    browser.sign_out()


def test_a_takedown_goes_through_the_stage_the_chain_names(browser: Browser) -> None:
    sid = STATE[
        "story"
    ]  # reviewed under the chain whose 终审 signs a 撤稿 (set up before the first step)
    browser.sign_in("demo-chief")
    browser.route(f"#/publish/{sid}")
    browser.fill("#takedown-reason", "当事人投诉,核实有误")
    browser.click("#takedown")
    browser.wait_text("撤稿申请已提交审核", "#toast")
    browser.wait_text("撤稿审核中", "main")
    browser.route("#/")
    browser.sign_out()
    browser.sign_in("demo-review3")
    browser.click_text("审核", "a")
    browser.wait_text("当事人投诉,核实有误", "section")  # 待审撤稿
    check_page(browser, "05-review-takedowns")
    browser.click(f'section[aria-labelledby="h-takedowns"] a[href="#/review/{sid}"]')
    browser.fill("#takedown-opinion", "同意撤稿")
    browser.click("#takedown-approve")
    browser.wait_text("已同意撤稿", "#toast")

    def retracted() -> bool:
        pubs = api(
            browser,
            "demo-chief",
            "query($id: ID!) { publications(storyId: $id) { channel action } }",
            {"id": sid},
        )["publications"]
        return {p["channel"] for p in pubs if p["action"] == "retract"} == {"app", "xuexi"}

    browser.wait(retracted, "the takedown handed to app and 学习强国")
    assert api(browser, "demo-review3", "{ takedownQueue { storyId } }")["takedownQueue"] == []
    browser.route("#/")
    browser.sign_out()


def test_签发_with_a_publication_time_and_an_embargo_schedules_the_story(browser: Browser) -> None:
    sid = api(
        browser,
        "demo-reporter2",
        'mutation { createStory(input: {title: "区人大常委会召开第十次会议", bodyText: "会议审议了有关报告。"}) { id } }',
    )["createStory"]["id"]
    api(
        browser,
        "demo-reporter2",
        "mutation($id: ID!) { submitForReview(id: $id, expectedVersion: 1) { status } }",
        {"id": sid},
    )
    for reviewer in ("demo-review1", "demo-review2"):
        api(
            browser,
            reviewer,
            'mutation($id: ID!) { signOff(storyId: $id, decision: APPROVE, opinion: "同意") { status } }',
            {"id": sid},
        )
    publish_at = time.time() + 2 * 86_400
    browser.sign_in("demo-review3")
    browser.route(f"#/review/{sid}")
    browser.find("#publish-at")
    for css, at in (("#publish-at", publish_at), ("#embargo", publish_at + 3_600)):
        browser.driver.execute_script(
            "const d = document.querySelector(arguments[0]); d.value = arguments[1]; d.dispatchEvent(new Event('input'))",
            css,
            time.strftime("%Y-%m-%dT%H:%M", time.localtime(at)),
        )
    browser.fill("#opinion", "同意,按计划发布")
    browser.click_text("签发")
    browser.wait_text("已签发,定时发布", "#toast")
    got = api(
        browser,
        "demo-chief",
        "query($id: ID!) { reviewRound(storyId: $id) { status publishAt embargoUntil } story(id: $id) { status } }",
        {"id": sid},
    )
    round_ = got["reviewRound"]
    assert got["story"]["status"] == "SCHEDULED" and round_["status"] == "approved", got
    at = datetime.fromisoformat(round_["publishAt"]).timestamp()
    until = datetime.fromisoformat(round_["embargoUntil"]).timestamp()
    assert abs(at - publish_at) < 60 and abs(until - (publish_at + 3_600)) < 60, (
        round_
    )  # to the minute the form takes
    browser.route("#/")
    browser.sign_out()


def test_a_lock_held_elsewhere_is_shown_and_taken_over_by_the_chief_editor(
    browser: Browser,
) -> None:
    sid = api(
        browser,
        "demo-reporter2",
        'mutation { createStory(input: {title: "乙的稿件", bodyText: "正文"}) { id } }',
    )["createStory"]["id"]
    api(
        browser,
        "demo-reporter2",
        "mutation($id: ID!) { acquireStoryLock(storyId: $id) { holder } }",
        {"id": sid},
    )
    browser.sign_in("demo-chief")
    browser.route(f"#/story/{sid}")
    browser.wait_text("正在编辑此稿", "#lock-banner")
    assert not browser.find("#f-title").is_enabled()  # read-only while someone else holds it
    check_page(browser, "02-editor-locked")
    browser.fill("#takeover-reason", "记者外出,总编接手")
    browser.click("#takeover")
    browser.wait_text("你正在编辑", "#lock-banner")
    assert browser.find("#f-title").is_enabled()
    lock = api(
        browser,
        "demo-reporter2",
        "query($id: ID!) { storyLock(storyId: $id) { holderName } }",
        {"id": sid},
    )["storyLock"]
    assert lock is not None and lock["holderName"].startswith("示例总编辑")
    # 一校: the chief proofreads; the change shows as tracked (修订痕迹) when the round closes
    browser.click("#proof-start")
    browser.wait_text("一校", "#proof")
    body = browser.find("#f-body")
    body.click()
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("(校)")
    browser.wait_text("已保存", "#save-state")
    browser.click("#proof-done")
    browser.wait(
        lambda: any(
            "(校)" in x.text for x in browser.driver.find_elements(By.CSS_SELECTOR, "#proof ins")
        ),
        "the tracked insertion",
    )
    rounds = api(
        browser,
        "demo-reporter2",
        "query($id: ID!) { proofRounds(storyId: $id) { status changes { field insertedChars } } }",
        {"id": sid},
    )["proofRounds"]
    assert rounds[0]["status"] == "completed" and any(
        c["field"] == "body" and c["insertedChars"] >= 3 for c in rounds[0]["changes"]
    ), rounds
    check_page(browser, "02-editor-proof")
    browser.route("#/")
    browser.sign_out()


def test_admin_page_for_an_administrator(browser: Browser) -> None:
    browser.sign_in("demo-admin")
    browser.click_text("管理", "a")
    browser.wait_text("demo-reporter1", "table")
    check_page(browser, "09-admin")
    browser.sign_out()


def test_nothing_was_loaded_from_outside_the_hub_and_scripts_called_only_public_doors(
    browser: Browser,
) -> None:
    assert browser.foreign_requests() == []
    scripted = [
        r
        for r in browser.requests
        if r["type"] in ("Fetch", "XHR", "WebSocket", "EventSource", "Ping")
    ]
    assert scripted, "the console made no API calls at all?"
    paths = {urlsplit(r["url"]).path for r in scripted}
    assert all(p.startswith(PUBLIC_DOORS) for p in paths), sorted(paths)
    assert "/graphql" in paths and "/media/uploads" in paths
