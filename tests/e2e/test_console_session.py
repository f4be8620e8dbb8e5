"""The console's cookie session against a real hub: flags, CSRF refusals, expiry and refresh, sign-out."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from hub.console.session import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE, csrf_token
from hub.identity.jwt import issue
from tests.e2e.identity_helpers import PASSWORD, make_tenant, make_user

ME = "{ me { kind subject } }"


async def console_sign_in(http: httpx.AsyncClient, username: str, **kw: Any) -> httpx.Response:
    return await http.post(
        "/console/session", json={"username": username, "password": PASSWORD}, **kw
    )


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """name -> the whole Set-Cookie line."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def cookie_header(response: httpx.Response) -> str:
    return "; ".join(f"{name}={value}" for name, value in response.cookies.items())


async def gql(
    http: httpx.AsyncClient, cookies: str, csrf: str | None, query: str = ME
) -> httpx.Response:
    headers = {"cookie": cookies}
    if csrf is not None:
        headers[CSRF_HEADER] = csrf
    return await http.post("/graphql", json={"query": query}, headers=headers)


async def signed_in(http: httpx.AsyncClient) -> tuple[str, str, httpx.Response]:
    tenant = await make_tenant()
    name = await make_user(tenant, "reporter")
    response = await console_sign_in(http, name)
    assert response.status_code == 200, response.text
    http.cookies.clear()  # every request below names its cookies itself
    return name, response.json()["csrf"], response


async def test_sign_in_sets_httponly_strict_cookies_and_returns_no_token(
    http: httpx.AsyncClient,
) -> None:
    _, csrf, response = await signed_in(http)
    lines = set_cookies(response)
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        line = lines[name].lower()
        assert "httponly" in line and "samesite=strict" in line, line
    assert "path=/console/session" in lines[REFRESH_COOKIE].lower()  # never sent to /graphql
    csrf_line = lines[CSRF_COOKIE].lower()
    assert (
        "httponly" not in csrf_line and "samesite=strict" in csrf_line
    )  # the page's script reads it
    assert response.cookies[CSRF_COOKIE] == csrf
    body = response.json()
    assert set(body) == {"csrf", "expiresIn"}  # the script never holds a token
    assert response.headers["cache-control"] == "no-store"


async def test_cookie_with_its_csrf_header_is_the_signed_in_user(http: httpx.AsyncClient) -> None:
    _name, csrf, response = await signed_in(http)
    answer = await gql(http, cookie_header(response), csrf)
    assert answer.status_code == 200 and answer.json()["data"]["me"]["kind"] == "user"


async def test_post_with_the_cookie_and_no_csrf_header_is_refused(http: httpx.AsyncClient) -> None:
    _, _, response = await signed_in(http)
    answer = await gql(http, cookie_header(response), None)
    assert answer.status_code == 403
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "CSRF_MISSING" and "防伪" in error["message"]


async def test_a_wrong_or_another_sessions_csrf_value_is_refused(http: httpx.AsyncClient) -> None:
    _, csrf, response = await signed_in(http)
    _, other_csrf, _ = await signed_in(http)
    for wrong in ("x", csrf[:-2] + "AA", other_csrf):
        answer = await gql(http, cookie_header(response), wrong)
        assert (
            answer.status_code == 403
            and answer.json()["errors"][0]["extensions"]["code"] == "CSRF_INVALID"
        )


async def test_a_get_with_the_cookie_and_no_header_is_read_as_anonymous(
    http: httpx.AsyncClient,
) -> None:
    _, _, response = await signed_in(http)
    answer = await http.get(
        "/graphql", params={"query": ME}, headers={"cookie": cookie_header(response)}
    )
    assert answer.status_code == 200 and answer.json()["data"]["me"]["subject"] is None


async def test_media_upload_with_the_cookie_needs_the_csrf_header(http: httpx.AsyncClient) -> None:
    _, _csrf, response = await signed_in(http)
    headers = {
        "cookie": cookie_header(response),
        "content-type": "image/png",
        "x-filename": "a.png",
    }
    refused = await http.post("/media/uploads", content=b"\x89PNG", headers=headers)
    assert (
        refused.status_code == 403
        and refused.json()["errors"][0]["extensions"]["code"] == "CSRF_MISSING"
    )


async def test_an_expired_session_cookie_is_refused_and_refresh_renews_it(
    http: httpx.AsyncClient, hub_app: Litestar
) -> None:
    _name, csrf, response = await signed_in(http)
    auth = hub_app.state.auth
    me = (
        await gql(
            http, cookie_header(response), csrf, "{ me { subject tenantId grants { role } } }"
        )
    ).json()["data"]["me"]
    expired, _ = issue(
        auth.ring,
        hub_app.state.settings,
        subject=me["subject"],
        tenant=me["tenantId"],
        kind="user",
        grants=["reporter"],
        scopes=["stories:read"],
        session_id=_sid(response),
        epoch=0,
        lifetime=-60,
    )
    cookies = f"{ACCESS_COOKIE}={expired}; {CSRF_COOKIE}={csrf}"
    answer = await gql(http, cookies, csrf)
    assert (
        answer.status_code == 401
        and answer.json()["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"
    )

    refresh_cookies = f"{cookies}; {REFRESH_COOKIE}={response.cookies[REFRESH_COOKIE]}"
    without_header = await http.post(
        "/console/session/refresh", headers={"cookie": refresh_cookies}
    )
    assert without_header.status_code == 403
    renewed = await http.post(
        "/console/session/refresh", headers={"cookie": refresh_cookies, CSRF_HEADER: csrf}
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["csrf"] == csrf  # the same session: the page keeps its value
    assert renewed.cookies[REFRESH_COOKIE] != response.cookies[REFRESH_COOKIE]  # rotated
    answer = await gql(http, cookie_header(renewed), csrf)
    assert answer.status_code == 200 and answer.json()["data"]["me"]["kind"] == "user"


async def test_sign_out_revokes_the_session_and_clears_the_cookies(http: httpx.AsyncClient) -> None:
    _, csrf, response = await signed_in(http)
    cookies = cookie_header(response)
    refused = await http.post("/console/session/end", headers={"cookie": cookies})
    assert refused.status_code == 403  # no CSRF header: a foreign page cannot sign the editor out
    ended = await http.post("/console/session/end", headers={"cookie": cookies, CSRF_HEADER: csrf})
    assert ended.status_code == 200
    assert all("max-age=0" in line.lower() for line in set_cookies(ended).values())
    copied = await gql(http, cookies, csrf)  # a copy of the old cookie is useless now
    assert (
        copied.status_code == 401
        and copied.json()["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"
    )
    again = await http.post(
        "/console/session/refresh", headers={"cookie": cookies, CSRF_HEADER: csrf}
    )
    assert (
        again.status_code == 401
        and again.json()["errors"][0]["extensions"]["code"] == "CONSOLE_SIGNED_OUT"
    )


async def test_sign_in_from_another_origin_or_as_a_form_is_refused(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    name = await make_user(tenant, "reporter")
    foreign = await console_sign_in(http, name, headers={"origin": "https://evil.example"})
    assert (
        foreign.status_code == 403
        and foreign.json()["errors"][0]["extensions"]["code"] == "CROSS_ORIGIN"
    )
    assert ACCESS_COOKIE not in foreign.cookies
    form = await http.post("/console/session", data={"username": name, "password": PASSWORD})
    assert form.status_code == 415
    wrong = await http.post("/console/session", json={"username": name, "password": "nope"})
    assert (
        wrong.status_code == 400
        and wrong.json()["errors"][0]["extensions"]["code"] == "INVALID_GRANT"
    )
    assert ACCESS_COOKIE not in wrong.cookies


async def test_the_csrf_value_is_bound_to_the_session_id(
    http: httpx.AsyncClient, hub_app: Litestar
) -> None:
    _, csrf, response = await signed_in(http)
    assert csrf == csrf_token(hub_app.state.settings, _sid(response))


def _sid(response: httpx.Response) -> str:
    from hub.console.session import unverified_session_id

    sid = unverified_session_id(response.cookies[ACCESS_COOKIE])
    assert sid
    return sid


async def test_the_websocket_takes_the_cookie_only_with_its_csrf_value_in_connection_init(
    http: httpx.AsyncClient, hub_url: str
) -> None:
    import asyncio
    import json

    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    _, csrf, response = await signed_in(http)
    url = hub_url.replace("http://", "ws://") + "/graphql"
    headers = {"cookie": cookie_header(response)}

    async def first_answer(payload: dict[str, Any]) -> Any:
        async with connect(
            url, subprotocols=["graphql-transport-ws"], additional_headers=headers
        ) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            try:
                return json.loads(await asyncio.wait_for(ws.recv(), 10))["type"]
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    assert await first_answer({"csrf": csrf}) == "connection_ack"
    assert await first_answer({"csrf": "forged"}) == 4403
    # the cookie alone is not a sign-in: the socket is an anonymous reader's (public
    # subscriptions only), as a GET with the cookie and no CSRF header reads anonymously
    assert await first_answer({}) == "connection_ack"
