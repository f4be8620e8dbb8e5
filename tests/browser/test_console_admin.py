"""融汇编辑台 管理 in headless Chromium against a real `ronghub demo`: a center administrator
does each admin task through the UI — users and roles (create, role change, password reset,
disable), a review chain, the sensitive-word list, a channel's settings from its plugin's
schema (with a plugin that failed to load shown), a partner client whose secret is shown
once, a feed subscription, and a webhook endpoint that gets a test event (a real receiver
on loopback verifies it) with its delivery log — while a reporter and an editor can neither
see nor use 管理. Every page is photographed at desktop and phone width and checked with
axe-core; every request the browser made went to the hub's public doors.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from standardwebhooks.webhooks import Webhook

from hub.embedded.store import free_port
from tests.browser.conftest import seeded_data, wait_ready
from tests.browser.harness import DEMO_PASSWORD, Browser, check_page
from tests.browser.test_console_flow import PUBLIC_DOORS
from tests.e2e.test_demo_cli import Demo
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

STAMP = str(int(time.time()))
STATE: dict[str, Any] = {}
BROKEN_PLUGIN = "broken-demo"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A demo that may push webhooks to a receiver on loopback, with one channel plugin
    that fails to load: an installed distribution whose entry point names a missing module."""
    reuse = os.environ.get("RONGHUB_CONSOLE_TEST_HUB")
    if reuse:
        existing = Demo.__new__(Demo)
        existing.url = reuse.rstrip("/")
        yield existing
        return
    root = tmp_path_factory.mktemp("console-admin")
    site = root / "site"
    dist = site / "ronghub_broken_demo-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ronghub-broken-demo\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        f"[ronghub.channels]\n{BROKEN_PLUGIN} = ronghub_broken_demo_missing\n", encoding="utf-8"
    )
    # this checkout's hub first (the `ronghub` script beside the interpreter may belong to another one)
    path = os.pathsep.join(p for p in (str(REPO), str(site), os.environ.get("PYTHONPATH", "")) if p)
    running = Demo(
        seeded_data(tmp_path_factory, root / "data"),
        extra_env={"PYTHONPATH": path, "RONGHUB_OUTBOUND_ALLOW_LOOPBACK": "true"},
    )
    try:
        wait_ready(running)
        yield running
    finally:
        running.terminate()


class ThreadedReceiver:
    """The webhook receiver of tests/fakes served on loopback from a thread (the browser
    tests are synchronous)."""

    def __init__(self) -> None:
        self.receiver = WebhookReceiver("")
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.receiver.app(),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadedReceiver:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # a condition with an upper bound, not a guess
            assert time.monotonic() < deadline and self.thread.is_alive(), (
                "the webhook receiver did not start"
            )
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


def api(
    browser: Browser,
    query: str,
    variables: dict[str, Any] | None = None,
    username: str = "demo-admin",
) -> dict[str, Any]:
    """The administrator's colleague checking through the API what the UI did."""
    tokens = STATE.setdefault("tokens", {})
    if username not in tokens:
        r = httpx.post(
            f"{browser.base_url}/oauth/token",
            data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
        )
        assert r.status_code == 200, r.text
        tokens[username] = r.json()["access_token"]
    r = httpx.post(
        f"{browser.base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {tokens[username]}"},
        timeout=30,
    )
    body = r.json()
    assert not body.get("errors"), body
    return dict(body["data"])


def password_grant(browser: Browser, username: str, password: str) -> int:
    return httpx.post(
        f"{browser.base_url}/oauth/token",
        data={"grant_type": "password", "username": username, "password": password},
    ).status_code


def tick(browser: Browser, css: str, on: bool = True) -> None:
    box = browser.find(css)
    if box.is_selected() != on:
        browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    assert box.is_selected() == on


def row(browser: Browser, css: str) -> Any:
    browser.settled()
    return browser.find(css)


def test_admin_creates_a_user_changes_roles_resets_the_password_and_disables(
    browser: Browser,
) -> None:
    browser.sign_in("demo-admin")
    browser.click_text("管理", "a")
    browser.wait_text("demo-reporter1", "table")
    check_page(browser, "09-admin-users")
    name = f"cadm{STAMP}"
    STATE["editor"] = name
    browser.fill("#nu-name", name)
    browser.fill("#nu-display", "新来的编辑")
    browser.fill("#nu-pass", "first password 1")
    tick(browser, "input[name=nu-grant][value=reporter]")
    browser.click("#new-user button[type=submit]")
    browser.wait_text("用户已创建", "#toast")
    row(browser, f'tr[data-user="{name}"]')
    browser.wait_text("记者", f'tr[data-user="{name}"]')
    browser.click(f'tr[data-user="{name}"] a')
    browser.find("#grants")
    check_page(browser, "09-admin-user")
    tick(browser, "input[name=grant][value=reporter]", False)
    tick(browser, "input[name=grant][value=editor]")
    browser.click("#grants button[type=submit]")
    browser.wait_text("角色已保存", "#toast")
    users = api(browser, "{ users { username grants { label } } }")["users"]
    assert [g["label"] for u in users if u["username"] == name for g in u["grants"]] == ["editor"]
    browser.fill("#reset-pass", "second password 2")
    browser.click("#reset button[type=submit]")
    browser.wait_text("密码已重置", "#toast")
    assert (
        password_grant(browser, name, "second password 2") == 200
        and password_grant(browser, name, "first password 1") != 200
    )
    browser.click("#disable-user")
    browser.wait_text("账号已停用", "#toast")
    browser.wait_text("已停用", f'tr[data-user="{name}"]')
    assert password_grant(browser, name, "second password 2") != 200
    browser.click("#enable-user")
    browser.wait_text("账号已启用", "#toast")
    assert password_grant(browser, name, "second password 2") == 200
    STATE["editor_password"] = "second password 2"


def test_admin_defines_edits_and_deletes_a_review_chain(browser: Browser) -> None:
    browser.route("#/admin/chains")
    browser.find("#chain")
    chain = f"快讯两审 {STAMP}"
    browser.fill("#ch-name", chain)
    browser.click('[data-remove-stage="1"]')  # 初审 → 终审: the 复审 goes
    browser.wait(
        lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, "#stages li")) == 2,
        "two stages left",
    )
    browser.fill("#st-name-1", "签发")
    Select(browser.find("#st-role-1")).select_by_value("chief_editor")
    tick(browser, "input[name=ch-type][value=article]")
    tick(browser, "input[name=ch-chan][value=app]")
    Select(browser.find("#ch-takedown")).select_by_value("0")
    Select(browser.find("#ch-proof")).select_by_value("1")
    check_page(browser, "09-admin-chain-form")
    browser.click("#chain button[type=submit]")
    browser.wait_text("审核流程已创建", "#toast")
    row(browser, f'tr[data-chain="{chain}"]')
    found = [
        c
        for c in api(
            browser,
            "{ reviewChains { id name stages { name role } types channels takedownStage proofRounds } }",
        )["reviewChains"]
        if c["name"] == chain
    ]
    assert found and found[0]["stages"] == [
        {"name": "初审", "role": "reviewer:first"},
        {"name": "签发", "role": "chief_editor"},
    ]
    assert (
        found[0]["types"] == ["article"]
        and found[0]["channels"] == ["app"]
        and found[0]["takedownStage"] == 0
        and found[0]["proofRounds"] == 1
    )
    browser.click(f'tr[data-chain="{chain}"] a')
    browser.wait(
        lambda: browser.find("#ch-name").get_attribute("value") == chain, "the chain in the form"
    )
    browser.fill("#ch-name", chain + " 改")
    browser.click("#add-stage")
    browser.wait(
        lambda: len(browser.driver.find_elements(By.CSS_SELECTOR, "#stages li")) == 3,
        "a third stage",
    )
    browser.click("#chain button[type=submit]")
    browser.wait_text("审核流程已保存", "#toast")
    browser.wait_text(chain + " 改", "table")
    check_page(browser, "09-admin-chains")
    stages = [
        c["stages"]
        for c in api(browser, "{ reviewChains { name stages { name } } }")["reviewChains"]
        if c["name"] == chain + " 改"
    ]
    assert len(stages) == 1 and len(stages[0]) == 3
    browser.click("#delete-chain")
    browser.wait_text("审核流程已删除", "#toast")
    browser.settled()
    assert all(
        c["name"] != chain + " 改"
        for c in api(browser, "{ reviewChains { name } }")["reviewChains"]
    )


def test_admin_keeps_the_sensitive_word_list(browser: Browser) -> None:
    browser.route("#/admin/words")
    browser.find("#words-block")
    browser.fill("#words-block", "示例违禁词 => 合规说法\n另一个拦截词")
    browser.fill("#words-warn", "提示词甲")
    browser.fill("#words-sources", "新华社\n人民日报")
    browser.click("#words button[type=submit]")
    browser.wait_text("敏感词已保存", "#toast")
    browser.wait_text("共 3 个词", "#words-count")
    saved = api(browser, "{ sensitiveWords { words { text level suggestion } allowedSources } }")[
        "sensitiveWords"
    ]
    assert saved["words"] == [
        {"text": "示例违禁词", "level": "block", "suggestion": "合规说法"},
        {"text": "另一个拦截词", "level": "block", "suggestion": None},
        {"text": "提示词甲", "level": "warn", "suggestion": None},
    ]
    assert saved["allowedSources"] == ["新华社", "人民日报"]
    browser.driver.refresh()  # read back from the hub, not from the form
    browser.wait(
        lambda: "示例违禁词 => 合规说法" in browser.find("#words-block").get_attribute("value"),
        "the saved list",
    )
    check_page(browser, "09-admin-words")


def test_admin_configures_a_channel_with_the_form_its_schema_makes_and_sees_a_broken_plugin(
    browser: Browser,
) -> None:
    browser.route("#/admin/channels")
    browser.wait_text(BROKEN_PLUGIN, "#plugin-failures")  # the plugin that did not load, and why
    browser.wait_text("ModuleNotFoundError", "#plugin-failures")
    check_page(browser, "09-admin-channels")
    browser.click('a[href="#/admin/channels/douyin"]')
    browser.find("#channel-config")
    browser.wait_text("抖音 渠道设置")
    browser.fill("#cfg-credentials-client_key", "ck-demo")
    browser.fill("#cfg-credentials-open_id", "oid-demo")
    browser.fill("#cfg-credentials-refresh_token", "rt-demo-secret")
    browser.fill("#cfg-limits", '{"hashtags_max": 3}')
    check_page(browser, "09-admin-channel-form")
    browser.click("#channel-config button[type=submit]")
    browser.wait_text("设置已保存", "#toast")
    settings = '{ channelSettings(channel: "douyin") { config effective } }'
    shown = api(browser, settings)["channelSettings"]
    assert shown["config"]["credentials"] == "******" and "rt-demo-secret" not in str(shown)
    assert shown["effective"]["limits"]["hashtags_max"] == 3
    # the form again: the secret section is saved and left empty; a limit changes; the secret stays
    browser.settled()
    browser.wait_text("已保存(加密存储", "#channel-config")
    browser.fill("#cfg-limits", '{"hashtags_max": 4}')
    browser.click("#channel-config button[type=submit]")
    browser.wait_text("设置已保存", "#toast")
    again = api(browser, settings)["channelSettings"]
    assert (
        again["config"]["credentials"] == "******"
        and again["effective"]["limits"]["hashtags_max"] == 4
    )  # required: still there
    # a wrong value is refused with the key named, nothing saved
    browser.settled()
    browser.fill("#cfg-limits", "[1, 2]")
    browser.click("#channel-config button[type=submit]")
    browser.wait_text("limits", "#toast")
    assert api(browser, settings)["channelSettings"]["effective"]["limits"]["hashtags_max"] == 4


def test_admin_creates_a_partner_client_whose_secret_is_shown_once(browser: Browser) -> None:
    browser.route("#/admin/clients")
    browser.find("#new-client")
    name = f"省融媒体平台 {STAMP}"
    browser.fill("#nc-name", name)
    browser.click("#new-client button[type=submit]")
    browser.wait_text("只显示这一次", "#secret-once")
    secret = browser.find("#new-secret").text.strip()
    check_page(browser, "09-admin-client-secret")
    client_id = next(
        c["id"] for c in api(browser, "{ clients { id name } }")["clients"] if c["name"] == name
    )
    STATE["client"], STATE["client_name"] = client_id, name
    token = httpx.post(
        f"{browser.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert token.status_code == 200, token.text  # the secret shown is the one that works
    browser.route("#/admin/users")
    browser.wait_text("demo-reporter1", "table")
    browser.route("#/admin/clients")
    row(browser, f'tr[data-client="{name}"]')
    assert secret not in browser.driver.page_source  # never shown again
    browser.click(f'tr[data-client="{name}"] a')
    browser.fill("#disable-reason", "合同到期")
    browser.click("#disable-client button[type=submit]")
    browser.wait_text("客户端已停用", "#toast")
    browser.wait_text("合同到期", "main")
    browser.click("#enable-client")
    browser.wait_text("客户端已启用", "#toast")
    check_page(browser, "09-admin-client")


def test_admin_subscribes_the_partner_to_feeds(browser: Browser) -> None:
    browser.route("#/admin/feeds")
    browser.find("#new-sub")
    Select(browser.find("#ns-client")).select_by_value(STATE["client"])
    sub = f"全部稿件 {STAMP}"
    browser.fill("#ns-name", sub)
    tick(browser, "input[name=ns-format][value=rss]")
    browser.click("#new-sub button[type=submit]")
    browser.wait_text("订阅已创建", "#toast")
    browser.wait_text("/rss.xml", f'tr[data-subscription="{sub}"]')
    found = [
        s
        for s in api(browser, "{ feedSubscriptions { name clientId formats enabled } }")[
            "feedSubscriptions"
        ]
        if s["name"] == sub
    ]
    assert found == [
        {"name": sub, "clientId": STATE["client"], "formats": ["json_feed", "rss"], "enabled": True}
    ]
    STATE["subscription"] = sub
    browser.click(f'tr[data-subscription="{sub}"] [data-toggle-sub]')
    browser.wait_text("订阅已停用", "#toast")
    browser.wait_text("已停用", f'tr[data-subscription="{sub}"]')
    browser.click(f'tr[data-subscription="{sub}"] [data-toggle-sub]')
    browser.wait_text("订阅已启用", "#toast")
    check_page(browser, "09-admin-feeds")


def test_admin_adds_a_webhook_sends_a_test_event_and_reads_the_delivery_log(
    browser: Browser,
) -> None:
    with ThreadedReceiver() as partner:
        browser.route("#/admin/webhooks")
        browser.find("#new-endpoint")
        Select(browser.find("#ne-sub")).select_by_visible_text(STATE["subscription"])
        browser.fill("#ne-url", partner.url)
        browser.fill("#ne-desc", "省平台接收")
        browser.click("#new-endpoint button[type=submit]")
        browser.wait_text("只显示这一次", "#secret-once")
        partner.receiver.secret = browser.find("#new-secret").text.strip()
        browser.click(f'tr[data-endpoint="{partner.url}"] [data-test-endpoint]')
        browser.wait_text("测试事件已送达", "#test-result")
        # verified by the receiver with the secret the page showed (story pushes may arrive too)
        arrival = next(a for a in partner.receiver.arrivals if a.payload["type"] == "webhook.test")
        assert Webhook(partner.receiver.secret).verify(arrival.body, arrival.headers)
        check_page(browser, "09-admin-webhooks")
        browser.click(f'tr[data-endpoint="{partner.url}"] a')
        browser.wait_text("推送记录", "h2")
        browser.wait_text("已送达", f'tr[data-delivery="{arrival.id}"]')
        assert "webhook.test" in browser.find(f'tr[data-delivery="{arrival.id}"]').text
        # (a second test within 10 seconds is refused: tests/webhooks/test_test_event.py, on a fixed clock)
        check_page(browser, "09-admin-webhook-log")
    browser.sign_out()


@pytest.mark.parametrize("who", ["demo-reporter1", "editor"])
def test_a_reporter_and_an_editor_cannot_see_or_use_admin(browser: Browser, who: str) -> None:
    username = STATE["editor"] if who == "editor" else who
    browser.sign_in(username, STATE["editor_password"] if who == "editor" else DEMO_PASSWORD)
    assert "管理" not in browser.find("#nav").text
    for section in ("", "/users", "/clients", "/webhooks", "/channels/douyin"):
        browser.route("#/admin" + section)
        browser.wait_text("无权访问", "h1")
    assert "demo-admin" not in browser.text()
    check_page(browser, "09-admin-denied")
    browser.sign_out()


def test_the_admin_pages_called_only_the_hubs_public_doors(browser: Browser) -> None:
    assert browser.foreign_requests() == []
    scripted = [
        r
        for r in browser.requests
        if r["type"] in ("Fetch", "XHR", "WebSocket", "EventSource", "Ping")
    ]
    paths = {urlsplit(r["url"]).path for r in scripted}
    assert paths and all(p.startswith(PUBLIC_DOORS) for p in paths), sorted(paths)
