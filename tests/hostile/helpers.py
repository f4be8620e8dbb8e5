"""Shared pieces of the hostile-input suite: bomb builders and the refusal check.

Every hostile request must come back, within BOUND seconds measured by the client
around the real HTTP request, as a refusal with a stable code and both texts.
BOUND is generous (the machine is shared); a bomb that still expanded would take
minutes, not seconds.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

BOUND = 5.0
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def fan_out(levels: int, on: str = "Story", leaf: str = "id title") -> str:
    """Fragments each spreading the previous one twice: 2^levels copies of `leaf`."""
    parts = [f"fragment F0 on {on} {{ {leaf} }}"]
    parts += [f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return "\n".join(parts)


def coded(error: dict[str, Any], code: str) -> dict[str, Any]:
    """The hub's error shape: the code, Chinese `message`, both texts filled in."""
    ext = error["extensions"]
    assert ext["code"] == code, error
    assert ext["message_zh"] and ext["message_en"], error
    assert error["message"] == ext["message_zh"]
    assert not PLACEHOLDER.search(ext["message_zh"] + ext["message_en"]), "unfilled placeholder"
    # the hub's own words are English; values it quotes back ('…', "…") are the caller's
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", ext["message_en"])
    assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", unquoted), (
        "Chinese in message_en"
    )
    return dict(ext)


def refused(response: httpx.Response, code: str, status: int = 200) -> dict[str, Any]:
    """One coded error and no data (GraphQL refusals are 200, transport refusals 4xx)."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = response.json()
    assert body.get("errors"), body
    assert body.get("data") is None, body
    return coded(body["errors"][0], code)


async def timed(request: Any) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await request
    return response, time.perf_counter() - started
