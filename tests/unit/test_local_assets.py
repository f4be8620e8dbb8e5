"""Developer pages and the console load their assets from the hub, never from a CDN; the console can be turned off."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from hub.app import create_app
from hub.console.session import authorization_from_cookie
from hub.settings import Settings

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""")


def client(**overrides: object) -> TestClient:  # no lifespan: these routes need no store
    return TestClient(create_app(Settings(mongodb_uri="mongodb://unused", **overrides)))  # type: ignore[arg-type]


def test_graphiql_loads_react_and_graphiql_from_the_hub() -> None:
    c = client()
    page = c.get("/graphql", headers={"accept": "text/html"}).text
    assert "GraphiQL" in page and not EXTERNAL.search(page)
    for path in re.findall(r'(?:src|href)="(/assets/vendor/[^"]+)"', page):
        assert c.get(path).status_code == 200, path


def test_the_openapi_page_loads_scalar_from_the_hub() -> None:
    c = client()
    page = c.get("/schema/scalar").text
    assert "/assets/vendor/scalar/standalone.js" in page and not EXTERNAL.search(page)
    assert c.get("/assets/vendor/scalar/standalone.js").status_code == 200


def test_every_vendored_package_ships_its_licence() -> None:
    from hub.rest.assets import VENDOR_DIR

    for folder in (p for p in VENDOR_DIR.iterdir() if p.is_dir()):
        assert (folder / "LICENSE").is_file(), folder.name


def test_console_pages_carry_a_same_origin_only_content_security_policy() -> None:
    response = client().get("/console/")
    assert response.status_code == 200 and "融汇编辑台" in response.text
    csp = response.headers["content-security-policy"]
    assert (
        "default-src 'self'" in csp
        and "connect-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert not EXTERNAL.search(response.text)


def test_a_console_turned_off_serves_nothing_and_its_cookie_counts_for_nothing() -> None:
    c = client(console_enabled=False)
    assert c.get("/console/").status_code == 404
    assert c.post("/console/session", json={"username": "a", "password": "b"}).status_code in (
        404,
        405,
    )
    off = Settings(mongodb_uri="mongodb://unused", console_enabled=False)
    assert authorization_from_cookie({"ronghub_console": "a.b.c"}, "POST", None, off) is None
