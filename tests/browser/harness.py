"""Driving Debian's headless Chromium with Selenium against a real hub.

One browser per test module (starting Chromium costs seconds on a busy machine). Waits
end on conditions in the page, each with a generous upper bound. Every request the
browser makes is read back from Chromium's performance log, so tests can prove the
console loads nothing from outside the hub and calls only the public doors.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("RONGHUB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("RONGHUB_CHROMEDRIVER", "/usr/bin/chromedriver")
WAIT_SECONDS = (
    60.0  # an upper bound on a busy 2-core machine; waits end as soon as the page is ready
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "output" / "console"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = (1280, 800)
PHONE = (390, 844)
DEMO_PASSWORD = "ronghub-demo"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


class Browser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = tempfile.mkdtemp(prefix="ronghub-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--lang=zh-CN",
            f"--user-data-dir={self.profile}",
            f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
        service = Service(
            CHROMEDRIVER, env={**os.environ, "LANGUAGE": "zh_CN:zh", "LANG": "zh_CN.UTF-8"}
        )
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_window_size(*DESKTOP)
        self.requests: list[dict[str, str]] = []  # every request seen so far: url, type
        self.driver.get("about:blank")
        self.driver.get_log("performance")  # the browser's own start page is not ours to judge

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # ---- waiting and finding ---------------------------------------------------------
    def wait(self, condition: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
        def check(_: Any) -> Any:
            try:
                return condition()
            except (NoSuchElementException, StaleElementReferenceException):
                return None

        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.1).until(check)
        except Exception as exc:
            raise AssertionError(
                f"timed out waiting for {what}; page text:\n{self.text()[:1500]}"
            ) from exc

    def find(self, css: str) -> WebElement:
        return self.wait(lambda: self._visible(css), f"element {css}")

    def _visible(self, css: str) -> WebElement | None:
        for el in self.driver.find_elements(By.CSS_SELECTOR, css):
            if el.is_displayed():
                return el
        return None

    def text(self) -> str:
        try:
            return str(self.driver.find_element(By.TAG_NAME, "body").text)
        except WebDriverException:
            return ""

    def wait_text(self, text: str, css: str = "body", seconds: float = WAIT_SECONDS) -> None:
        self.wait(
            lambda: any(text in el.text for el in self.driver.find_elements(By.CSS_SELECTOR, css)),
            f"text {text!r} in {css}",
            seconds,
        )

    def _click(self, find: Callable[[], WebElement | None]) -> bool:
        """Find and click in one go: a live page may re-render between the two (then: again)."""
        element = find()
        if element is None or not element.is_enabled():
            return False
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return True

    def settled(self) -> None:
        """No page render in flight (the console marks <main aria-busy> while it renders)."""
        self.wait(
            lambda: not self.driver.find_elements(By.CSS_SELECTOR, "main[aria-busy]"),
            "the page to settle",
        )

    def click(self, css: str) -> None:
        self.settled()
        self.wait(lambda: self._click(lambda: self._visible(css)), f"clickable {css}")

    def click_text(self, text: str, tag: str = "button") -> None:
        def found() -> WebElement | None:
            for el in self.driver.find_elements(By.TAG_NAME, tag):
                if el.is_displayed() and el.text.strip() == text:
                    return el
            return None

        self.settled()
        self.wait(lambda: self._click(found), f"clickable {tag} {text!r}")

    def fill(self, css: str, value: str) -> None:
        self.settled()

        def filled() -> bool:
            element = self.find(css)
            element.clear()
            element.send_keys(value)
            return bool(element.get_attribute("value") == value)

        self.wait(filled, f"{css} filled")

    def go(self, hash_route: str) -> None:
        self.driver.get(f"{self.base_url}/console/{hash_route}")

    def route(self, hash_route: str) -> None:
        """Navigate inside the app (no reload)."""
        self.driver.execute_script("location.hash = arguments[0]", hash_route)

    # ---- session --------------------------------------------------------------------
    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.go("")
        self.fill("#login-user", username)
        self.fill("#login-pass", password)
        self.click("#login button[type=submit]")
        self.find("#sign-out")
        self.wait_text("我的稿件")

    def sign_out(self) -> None:
        self.click("#sign-out")
        self.find("#login-user")
        assert not self.cookie_names() & {"ronghub_console", "ronghub_csrf"}, self.cookie_names()

    def cookie_names(self) -> set[str]:
        return {c["name"] for c in self.driver.get_cookies()}

    # ---- artifacts and checks --------------------------------------------------------
    def screenshots(self, name: str, ready: Callable[[], Any] | None = None) -> list[Path]:
        """The current page at desktop and at phone width, written under tests/output/console."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        written = []
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.driver.set_window_size(*size)
            self.wait(
                lambda w=size[0]: self.driver.execute_script("return window.innerWidth") <= w,
                f"width {size[0]}",
            )
            if ready is not None:
                self.wait(ready, f"{name} ready at {label}")
            self.driver.execute_script(
                "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)"
            )
            path = ARTIFACTS / f"{name}-{label}.png"
            self.driver.save_screenshot(str(path))
            written.append(path)
        self.driver.set_window_size(*DESKTOP)
        return written

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
        return int(
            self.driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
        )

    def drain_requests(self) -> list[dict[str, str]]:
        """Requests the browser sent since the last call (from the performance log)."""
        fresh = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                fresh.append(
                    {
                        "url": params["request"]["url"],
                        "type": params.get("type", ""),
                        "method": params["request"]["method"],
                    }
                )
            elif method == "Network.webSocketCreated":
                fresh.append({"url": params["url"], "type": "WebSocket", "method": "GET"})
        self.requests.extend(fresh)
        return fresh

    def foreign_requests(self) -> list[str]:
        self.drain_requests()
        hub = urlsplit(self.base_url).netloc
        return [
            r["url"]
            for r in self.requests
            if not r["url"].startswith(("data:", "blob:")) and urlsplit(r["url"]).netloc != hub
        ]

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2 A/AA violations on the current page (labels, contrast, focus, ...)."""
        # axe-core (650 kB) is sent and compiled once per page load, not once per check: the
        # console changes pages by route, so one load serves many checks (#20 item 5)
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))), e => done([{id: 'axe-error', help: String(e)}]));"
        )
        return list(result)

    def tab_order(self, steps: int = 12) -> list[str]:
        """What Tab focuses, in order, from the top of the page: tag#id or text."""
        self.driver.execute_script(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)"
        )
        body = self.driver.find_element(By.TAG_NAME, "body")
        body.send_keys("")  # focus the document
        seen = []
        for _ in range(steps):
            self.driver.switch_to.active_element.send_keys("\ue004")  # Tab
            seen.append(
                self.driver.execute_script(
                    "const e = document.activeElement; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ':' + (e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 12)"
                )
            )
        return seen


def browser_for(base_url: str) -> Iterator[Browser]:
    browser = Browser(base_url)
    try:
        yield browser
    finally:
        browser.close()


def check_page(browser: Browser, name: str, ready: Callable[[], Any] | None = None) -> None:
    """Screenshots at both widths, no sideways scrolling on a phone, no axe violations."""
    browser.screenshots(name, ready)
    browser.driver.set_window_size(*PHONE)
    try:
        browser.wait(
            lambda: browser.horizontal_overflow() <= 0,
            f"{name}: no horizontal scrolling at phone width",
            10,
        )
    finally:
        browser.driver.set_window_size(*DESKTOP)
    violations = browser.axe()
    assert violations == [], f"{name}: {violations}"
