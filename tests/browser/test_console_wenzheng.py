"""问政 in the console (hub/console/static/wenzheng.js), in headless Chromium against a real
`ronghub demo`: the app submits citizens' questions through the public API; the chief
editor screens them in the 筛查 queue (reject with a reason, merge a duplicate, turn one
into a lead, forward one to two departments); each department's operator sees only their
own inbox (one asks to re-route, the other signs for it and answers); the answer is sent to
review and signed in the 问政 chain from the 问政审核 page, a private answer is released
there; the 问政数据 page shows the figures the API gives and exports them. Every page is
photographed at desktop and phone width (tests/output/console/) and checked with axe-core.
"""

from __future__ import annotations

import csv
import io
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.browser.harness import DEMO_PASSWORD, Browser, check_page

pytestmark = pytest.mark.slow

PUBLIC_DOORS = ("/graphql", "/media/", "/console/session", "/wenzheng/figures.")
STATE: dict[str, Any] = {}
STAMP = str(int(time.time()))
PHONE = "138" + STAMP[-8:]  # a mobile number, the masking must catch
MASKED = PHONE[:3] + "****" + PHONE[-4:]
SUBMIT = """mutation($i: SubmitWenzhengQuestionInput!) { submitWenzhengQuestion(input: $i) {
  trackingNumber checkCode question { id trackingNumber } } }"""
QUESTION = """query($id: ID!) { wenzhengQuestion(id: $id) { status statusZh rejectReason mergedIntoId leadId storyId
  forwards { id departmentId status answer rerouteReason } } }"""


def gql(
    browser: Browser, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    r = httpx.post(
        f"{browser.base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {token}"},
        timeout=120,
    )
    body = r.json()
    assert not body.get("errors"), body
    return dict(body["data"])


def token(browser: Browser, username: str) -> str:
    tokens = STATE.setdefault("tokens", {})
    if username not in tokens:
        r = httpx.post(
            f"{browser.base_url}/oauth/token",
            data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
            timeout=120,
        )
        assert r.status_code == 200, r.text
        tokens[username] = r.json()["access_token"]
    return str(tokens[username])


def as_user(
    browser: Browser, username: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    return gql(browser, token(browser, username), query, variables)


def question(browser: Browser, key: str) -> dict[str, Any]:
    return dict(
        as_user(browser, "demo-chief", QUESTION, {"id": STATE[key]["id"]})["wenzhengQuestion"]
    )


def card(browser: Browser, key: str) -> str:
    return f'article[data-question="{STATE[key]["id"]}"]'


def sign_in_to(browser: Browser, username: str, heading: str) -> None:
    browser.sign_in(username)
    browser.click_text("问政", "a")
    browser.wait_text(heading, "h1")
    browser.settled()


@pytest.fixture(scope="module", autouse=True)
def center(browser: Browser) -> None:
    """The demo center set up for 问政 through the public API: settings and the 问政 chain,
    two departments with an operator each, the app's client and its citizens' questions."""
    if "app" in STATE:
        return
    admin = lambda q, v=None: as_user(browser, "demo-admin", q, v)  # noqa: E731
    column = admin(
        "mutation { configureWenzheng(input: {defaultWorkingDays: 5, reminderHours: 24}) { columnId } }"
    )["configureWenzheng"]["columnId"]
    if not any(c["name"] == "问政审核" for c in admin("{ reviewChains { name } }")["reviewChains"]):
        admin(
            """mutation($c: String!) { createReviewChain(input: {name: "问政审核", columns: [$c],
            stages: [{key: "wz", name: "问政终审", role: "chief_editor"}]}) { id } }""",
            {"c": column},
        )
    for key, name in (("zhujian", "县住建局"), ("chengguan", "县城管局")):
        dept = admin(
            "mutation($n: String!) { createAccount(name: $n) { id name } }",
            {"n": f"{name}{STAMP[-4:]}"},
        )["createAccount"]
        STATE[key] = dept
        STATE[f"{key}-user"] = f"wz-{key}-{STAMP}"
        admin(
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            {
                "i": {
                    "username": STATE[f"{key}-user"],
                    "displayName": f"{name}办事员",
                    "password": DEMO_PASSWORD,
                    "grants": [f"account_operator@{dept['id']}"],
                }
            },
        )
    creds = admin(
        'mutation { createClient(name: "县融媒APP", scopes: ["wenzheng:submit"]) { clientId clientSecret } }'
    )["createClient"]
    r = httpx.post(
        f"{browser.base_url}/oauth/token",
        data={"grant_type": "client_credentials", "scope": "wenzheng:submit"},
        auth=(creds["clientId"], creds["clientSecret"]),
        timeout=120,
    )
    assert r.status_code == 200, r.text
    STATE["app"] = r.json()["access_token"]
    questions = {
        "main": ("岚溪路88号门口的井盖坏了,晚上很危险,请尽快修理。联系电话 " + PHONE, "城建", True),
        "dup": ("岚溪路井盖坏了好几天了,没人管", "城建", True),
        "spam": ("转发此条可领取红包", "其他", True),
        "lead": ("青山镇的老桥出现裂缝,村民很担心", "交通", True),
        "other": ("住建局小区电梯年检过期", "城建", True),
        "private": ("我家的低保申请一直没有结果", "民政", False),
    }
    for n, (key, (text, category, public)) in enumerate(questions.items()):
        contact = (
            ("王女士", PHONE) if key == "main" else (f"市民{n}", f"139{STAMP[-4:]}{n:04d}")
        )  # each citizen's own limit
        sent = gql(
            browser,
            STATE["app"],
            SUBMIT,
            {
                "i": {
                    "text": f"{text}(第{STAMP[-4:]}号)",
                    "category": category,
                    "public": public,
                    "contactName": contact[0],
                    "contactPhone": contact[1],
                    "externalId": f"{key}-{STAMP}",
                }
            },
        )
        STATE[key] = {
            **sent["submitWenzhengQuestion"]["question"],
            "checkCode": sent["submitWenzhengQuestion"]["checkCode"],
        }
    # two questions reach the departments through the API: one to 住建局 only (the 城管局
    # operator must not see it), one private, answered and waiting for its review
    chief = lambda q, v=None: as_user(browser, "demo-chief", q, v)  # noqa: E731
    fwd = "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { forwards { id } } }"
    chief(fwd, {"id": STATE["other"]["id"], "d": [STATE["zhujian"]["id"]]})
    (private_fwd,) = chief(fwd, {"id": STATE["private"]["id"], "d": [STATE["chengguan"]["id"]]})[
        "forwardWenzhengQuestion"
    ]["forwards"]
    chief(
        """mutation($q: ID!, $f: ID!) { handleWenzhengForward(questionId: $q, forwardId: $f, action: ANSWER, text: "已转民政局复核,本周内答复") { status } }""",
        {"q": STATE["private"]["id"], "f": private_fwd["id"]},
    )
    chief(
        "mutation($id: ID!) { sendWenzhengAnswerToReview(id: $id) { status } }",
        {"id": STATE["private"]["id"]},
    )


def test_the_chief_editor_screens_the_queue_and_forwards_to_two_departments(
    browser: Browser,
) -> None:
    sign_in_to(browser, "demo-chief", "问政筛查")
    main = card(browser, "main")
    browser.wait_text(STATE["main"]["trackingNumber"], main)
    text = browser.find(main).text
    assert (
        PHONE in text and "个人信息:手机号" in text and "王女士" in text
    )  # the screener sees the contact and the finding
    check_page(browser, "10-wenzheng-screen")

    browser.fill(f"#reason-{STATE['spam']['id']}", "内容与政务无关")
    browser.click(f'[data-reject="{STATE["spam"]["id"]}"]')
    browser.wait_text("已不予受理", "#toast")
    browser.settled()
    browser.wait(
        lambda: not browser.driver.find_elements(By.CSS_SELECTOR, card(browser, "spam")),
        "the rejected question left the queue",
    )

    select = browser.find(f"#into-{STATE['dup']['id']}")
    browser.driver.execute_script("arguments[0].value = arguments[1]", select, STATE["main"]["id"])
    browser.click(f'[data-merge="{STATE["dup"]["id"]}"]')
    browser.wait_text("已合并", "#toast")
    browser.settled()

    browser.click(f'[data-lead="{STATE["lead"]["id"]}"]')
    browser.wait_text("已转为新闻线索", "#toast")
    browser.settled()

    for dept in ("zhujian", "chengguan"):
        browser.click(f'input[name="dept-{STATE["main"]["id"]}"][value="{STATE[dept]["id"]}"]')
    browser.fill(f"#note-{STATE['main']['id']}", "请尽快核实处理")
    browser.click(f'[data-forward="{STATE["main"]["id"]}"]')
    browser.wait_text("已转交 2 个部门", "#toast")

    assert (
        question(browser, "spam")["rejectReason"] == "内容与政务无关"
        and question(browser, "spam")["status"] == "REJECTED"
    )
    assert question(browser, "dup")["mergedIntoId"] == STATE["main"]["id"]
    assert question(browser, "lead")["status"] == "LEAD" and question(browser, "lead")["leadId"]
    main_q = question(browser, "main")
    assert main_q["status"] == "FORWARDED"
    assert sorted(f["departmentId"] for f in main_q["forwards"]) == sorted(
        STATE[d]["id"] for d in ("zhujian", "chengguan")
    )
    STATE["forwards"] = {f["departmentId"]: f["id"] for f in main_q["forwards"]}
    # a citizen with a wrong check code sees nothing; with the right one, the status
    track = "query($n: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $n, checkCode: $c) { statusZh } }"
    assert (
        gql(browser, STATE["app"], track, {"n": STATE["main"]["trackingNumber"], "c": "AAAAAAAA"})[
            "trackWenzhengQuestion"
        ]
        is None
    )
    assert gql(
        browser,
        STATE["app"],
        track,
        {"n": STATE["main"]["trackingNumber"], "c": STATE["main"]["checkCode"]},
    )["trackWenzhengQuestion"]
    browser.sign_out()


def test_a_department_operator_sees_only_their_inbox_and_asks_to_reroute(browser: Browser) -> None:
    sign_in_to(browser, STATE["chengguan-user"], "部门收件箱")
    browser.wait_text(STATE["main"]["trackingNumber"], card(browser, "main"))
    page_text = browser.find("main").text
    # only what was forwarded to 城管局: not 住建局's question, nothing from the queue
    assert (
        STATE["other"]["trackingNumber"] not in page_text
        and STATE["lead"]["trackingNumber"] not in page_text
    )
    assert STATE["private"]["trackingNumber"] in page_text  # forwarded to 城管局 (answered already)
    assert (
        "联系人" not in page_text and "王女士" not in page_text
    )  # the citizen's contact: screeners only
    tabs = [
        a.text for a in browser.driver.find_elements(By.CSS_SELECTOR, 'nav[aria-label="问政"] a')
    ]
    assert tabs == ["部门收件箱"], tabs
    check_page(browser, "11-wenzheng-inbox")
    for hidden in (
        "#/wenzheng/screen",
        "#/wenzheng/review",
        "#/wenzheng/figures",
        f"#/wenzheng/inbox/{STATE['zhujian']['id']}",
    ):
        browser.route(hidden)
        if hidden.startswith(
            "#/wenzheng/inbox"
        ):  # another department's id: still only their own department
            browser.wait_text(STATE["main"]["trackingNumber"], "main")
            assert STATE["other"]["trackingNumber"] not in browser.find("main").text
        else:
            browser.wait_text("无权访问", "h1")
    browser.route(f"#/wenzheng/inbox/{STATE['chengguan']['id']}")
    browser.wait_text(STATE["main"]["trackingNumber"], card(browser, "main"))
    key = f"{STATE['main']['id']}-{STATE['forwards'][STATE['chengguan']['id']]}"
    browser.fill(f"#text-{key}", "井盖属住建局管理,请改派")
    browser.click(f'{card(browser, "main")} [data-move="REROUTE"]')
    browser.wait_text("已申请改派", "#toast")
    fwd = next(
        f
        for f in question(browser, "main")["forwards"]
        if f["departmentId"] == STATE["chengguan"]["id"]
    )
    assert fwd["status"] == "REROUTED" and fwd["rerouteReason"] == "井盖属住建局管理,请改派"
    browser.sign_out()


def test_the_other_department_signs_for_it_and_answers(browser: Browser) -> None:
    sign_in_to(browser, STATE["zhujian-user"], "部门收件箱")
    main = card(browser, "main")
    browser.wait_text("待签收", main)
    assert (
        STATE["private"]["trackingNumber"] not in browser.find("main").text
    )  # 城管局's, not theirs
    browser.click(f"{main} [data-sign]")
    browser.wait_text("已签收", "#toast")
    browser.settled()
    browser.wait_text("办理中", main)
    key = f"{STATE['main']['id']}-{STATE['forwards'][STATE['zhujian']['id']]}"
    browser.fill(f"#text-{key}", f"已安排维修,井盖已更换。如有问题请致电 {PHONE}")
    browser.click(f'{main} [data-move="ANSWER"]')
    browser.wait_text("已答复", "#toast")
    assert question(browser, "main")["status"] == "ANSWERED"
    browser.sign_out()


def test_the_answer_is_sent_to_review_signed_in_the_wenzheng_chain_and_a_private_one_released(
    browser: Browser,
) -> None:
    sign_in_to(browser, "demo-chief", "问政筛查")
    browser.click_text("待送审", "a")
    browser.click(f'[data-send="{STATE["main"]["id"]}"]')
    browser.wait_text("答复已送审", "#toast")
    browser.settled()
    browser.click_text("问政审核", "a")
    main = card(browser, "main")
    browser.wait_text("审核问答稿件", main)
    assert (
        PHONE not in browser.find(main).text and MASKED in browser.find(main).text
    )  # the question as it goes public
    browser.wait_text(
        "已转民政局复核", card(browser, "private")
    )  # a private answer, as the department wrote it
    browser.wait_text(STATE["private"]["trackingNumber"], card(browser, "private"))
    check_page(browser, "12-wenzheng-review")
    browser.click(f'[data-release="{STATE["private"]["id"]}"]')
    browser.wait_text("已回复群众", "#toast")
    assert question(browser, "private")["status"] == "REPLIED"
    browser.settled()
    browser.click(f'{main} a[href^="#/review/"]')
    browser.find("#opinion")
    browser.wait_text("【问政】", "article")
    browser.wait_text("已安排维修", "article")
    item = browser.find("article").text  # the Q&A item: question and answer, personal data masked
    assert PHONE not in item and item.count(MASKED) == 2, item
    browser.fill("#opinion", "答复属实,同意发布")
    browser.click_text("签发")
    browser.wait_text("已签发", "#toast")
    browser.wait(
        lambda: question(browser, "main")["status"] == "REPLIED",
        "the question replied once its Q&A item is approved",
    )
    track = """query($n: String!, $c: String!) { trackWenzhengQuestion(trackingNumber: $n, checkCode: $c) {
      status answers { departmentName answer } storyId } }"""
    seen = gql(
        browser,
        STATE["app"],
        track,
        {"n": STATE["main"]["trackingNumber"], "c": STATE["main"]["checkCode"]},
    )["trackWenzhengQuestion"]
    assert (
        seen["status"] == "REPLIED"
        and [a["departmentName"] for a in seen["answers"]] == [STATE["zhujian"]["name"]]
        and seen["storyId"]
    )
    browser.sign_out()


def test_the_figures_page_shows_the_apis_figures_and_exports_them(browser: Browser) -> None:
    sign_in_to(browser, "demo-chief", "问政筛查")
    browser.click_text("问政数据", "a")
    browser.find("#wz-figures")
    since = browser.find("#wz-since").get_attribute("value")
    until = browser.find("#wz-until").get_attribute("value")
    figs = as_user(
        browser,
        "demo-chief",
        """query($s: DateTime!, $u: DateTime!) { wenzhengFigures(since: $s, until: $u) {
        total { received screenedOut forwarded answered } byDepartment { name received answered } } }""",
        {"s": f"{since}T00:00:00+08:00", "u": f"{next_day(until)}T00:00:00+08:00"},
    )["wenzhengFigures"]
    total = figs["total"]
    assert total["received"] >= 6 and total["screenedOut"] >= 3 and total["answered"] >= 2
    row = browser.find("#wz-figures tbody tr").find_elements(By.TAG_NAME, "td")
    assert [int(c.text) for c in row[:4]] == [
        total["received"],
        total["screenedOut"],
        total["forwarded"],
        total["answered"],
    ]
    assert STATE["zhujian"]["name"] in browser.find("#wz-figures").text
    check_page(browser, "13-wenzheng-figures")
    browser.click('[data-export="csv"]')
    browser.wait_text("已导出 wenzheng_", "#toast")
    # the same export the button saved, read through the console's own session
    text = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Hub.wenzhengFigures('csv', {since: arguments[0], until: arguments[1]}).then((f) => f.blob.text()).then(done, (e) => done('ERROR ' + e.message));",
        f"{since}T00:00:00+08:00",
        f"{next_day(until)}T00:00:00+08:00",
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows, text[:300]
    first = rows[0]
    assert (
        int(first["received"]) == total["received"] and int(first["answered"]) == total["answered"]
    ), first
    browser.sign_out()


def next_day(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def test_nothing_was_loaded_from_outside_the_hub_and_scripts_called_only_public_doors(
    browser: Browser,
) -> None:
    assert browser.foreign_requests() == []
    scripted = [
        r
        for r in browser.requests
        if r["type"] in ("Fetch", "XHR", "WebSocket", "EventSource", "Ping")
    ]
    paths = {urlsplit(r["url"]).path for r in scripted}
    assert all(p.startswith(PUBLIC_DOORS) for p in paths), sorted(paths)
    assert "/graphql" in paths and "/wenzheng/figures.csv" in paths
