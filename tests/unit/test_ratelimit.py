"""The token endpoint's limiter as plain code: who the client is behind proxies, and
what a refusal says."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from hub.errors import HubError
from hub.identity.ratelimit import TokenLimiter, client_address, networks
from hub.settings import Settings

PROXIES = networks(["10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (
            "203.0.113.9",
            ["198.51.100.1"],
            "203.0.113.9",
        ),  # not a proxy of ours: its header is ignored
        ("10.1.2.3", [], "10.1.2.3"),  # a proxy that names nobody
        ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
        (
            "10.1.2.3",
            ["6.6.6.6, 198.51.100.1"],
            "198.51.100.1",
        ),  # the client's own prefix is not believed
        ("10.1.2.3", ["6.6.6.6, 198.51.100.1, 10.9.9.9"], "198.51.100.1"),  # two proxies of ours
        ("10.1.2.3", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # the header sent twice
        ("::1", ["[2001:db8::5]:4711"], "2001:db8::5"),
        ("10.1.2.3", ["198.51.100.1:8080"], "198.51.100.1"),
        ("10.1.2.3", ["10.4.4.4, 10.5.5.5"], "10.4.4.4"),  # only proxies: the first hop
        ("10.1.2.3", ["unknown"], "unknown"),  # what a proxy of ours wrote, as written
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_the_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer: str | None, forwarded: list[str], expected: str
) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], []) == "127.0.0.1"


def test_bad_limits_and_networks_fail_at_start_up() -> None:
    with pytest.raises(ValidationError, match="token_rate_limit_ip"):
        Settings(token_rate_limit_ip="5 per fortnight")
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies=["10.0.0.0/33"])
    assert (
        Settings(
            token_rate_limit_ip="", trusted_proxies=["192.168.0.0/16", "::1"]
        ).token_rate_limit_ip
        == ""
    )


async def test_a_refusal_names_the_limit_and_the_wait_and_is_not_counted() -> None:
    limiter = TokenLimiter(Settings(token_rate_limit_ip="2/2 seconds"))
    for _ in range(2):
        await limiter.enforce(ip="1.2.3.4")
    with pytest.raises(HubError) as refused:
        await limiter.enforce(ip="1.2.3.4")
    err = refused.value
    assert err.code == "RATE_LIMITED" and err.http_status == 429
    assert err.details["limit"] == "ip" and 1 <= err.details["seconds"] <= 2
    assert "客户端地址" in err.message_zh and f"{err.details['seconds']} 秒后重试" in err.message_zh
    await limiter.enforce(ip="1.2.3.5")  # another address is not held up
    await asyncio.sleep(err.details["seconds"])
    await limiter.enforce(ip="1.2.3.4")  # refusals did not extend the wait


async def test_an_empty_limit_does_not_limit() -> None:
    limiter = TokenLimiter(Settings(token_rate_limit_ip=""))
    for _ in range(200):
        await limiter.enforce(ip="1.2.3.4")


def test_ronghub_serve_gives_uvicorn_the_trusted_proxies_and_nothing_by_default() -> None:
    from hub.serving import uvicorn_config

    default = uvicorn_config(object(), "127.0.0.1", 8000)
    assert default.proxy_headers is False  # not uvicorn's "trust 127.0.0.1" default
    behind = uvicorn_config(object(), "127.0.0.1", 8000, ["10.0.0.0/8"])
    assert behind.proxy_headers is True and behind.forwarded_allow_ips == ["10.0.0.0/8"]
