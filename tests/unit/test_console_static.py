"""The console's own files: a client of the public API only, with nothing from outside the hub.

Read statically, so it fails the moment a script gains a call to a private route, a CDN
or another host; the browser tests check the same on the requests actually made.
"""

from __future__ import annotations

import re

from hub.console.routes import STATIC_DIR

NETWORK_CALLS = re.compile(
    r"\bfetch\s*\(|new\s+WebSocket\s*\(|XMLHttpRequest|sendBeacon|EventSource|\bimport\s*\(|importScripts"
)
PUBLIC_DOORS = {
    "/graphql",
    "/media/uploads",
    "/console/session",
    "/wenzheng/figures",
}  # the last: its .csv/.xlsx export


def source(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def test_only_the_api_module_touches_the_network() -> None:
    for path in STATIC_DIR.glob("*.js"):
        found = NETWORK_CALLS.findall(path.read_text(encoding="utf-8"))
        assert not found or path.name == "api.js", f"{path.name} calls the network itself: {found}"


def test_every_call_goes_to_the_public_graphql_media_export_or_session_door() -> None:
    api = source("api.js")
    endpoints = dict(
        re.findall(
            r'(\w+): "(/[^"]*)"',
            re.search(r"ENDPOINTS = Object\.freeze\(\{([^}]*)\}", api).group(1),
        )
    )  # type: ignore[union-attr]
    assert set(endpoints.values()) == PUBLIC_DOORS
    # fetch() takes an ENDPOINTS door, or `url` inside send(), whose callers each pass one
    for call in re.findall(r"fetch\(([^,]+),", api):
        assert call.strip().startswith("ENDPOINTS.") or call.strip() == "url", call
    sends = re.findall(r"(?<![.\w])send\(([^,]+),", api)  # not socket.send
    assert sends and all(c.strip().startswith("ENDPOINTS.") or c.strip() == "url" for c in sends), (
        sends
    )
    assert re.findall(r"new WebSocket\(([^,]+),", api) == ["url"] and "ENDPOINTS.graphql;" in api
    paths = set(re.findall(r'"(/[a-z][^"]*)"', api))
    assert paths <= PUBLIC_DOORS | {"/refresh", "/end"}, paths  # the session door's two actions


def test_no_console_file_names_another_host() -> None:
    for path in STATIC_DIR.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), (
            f"{path.name} names another host"
        )


def test_the_page_loads_only_the_consoles_own_files() -> None:
    html = source("index.html")
    for ref in re.findall(r'(?:src|href)="([^"#]+)"', html):
        assert ref.startswith("/console/") or ref.startswith("data:"), ref
        assert ref.startswith("data:") or (STATIC_DIR / ref.removeprefix("/console/")).is_file(), (
            ref
        )
