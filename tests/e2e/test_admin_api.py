"""What the console's 管理 pages read that the API did not offer before: the saved
sensitive-word list (`sensitiveWords`), each channel's settings schema
(`Channel.configSchema`) and the plugins that did not load (`pluginFailures`)."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from ronghub_sdk import hookimpl

from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

WORDS = (
    "{ sensitiveWords { words { text level suggestion note } allowedSources updatedAt updatedBy } }"
)
SAVE = "mutation($w: [SensitiveWordInput!]!, $s: [String!]) { setSensitiveWords(words: $w, allowedSources: $s) }"


async def client(http: httpx.AsyncClient, tenant: str, *grants: str) -> GraphQLClient:
    return GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, *grants)))["access_token"]
    )


async def test_the_word_list_reads_back_as_saved_for_its_center_only(
    http: httpx.AsyncClient,
) -> None:
    tenant, other = await make_tenant("adm"), await make_tenant("adm")
    admin = await client(http, tenant, "admin")
    assert (await admin(WORDS))["sensitiveWords"] == {
        "words": [],
        "allowedSources": [],
        "updatedAt": None,
        "updatedBy": None,
    }
    words = [
        {"text": " 违禁词 ", "level": "block", "suggestion": "合规说法", "note": "上级通知"},
        {
            "text": "\u200b隐形\u200b",
            "level": "warn",
        },  # a zero-width space stays: it is what the admin typed
        {"text": "ｆｕｌｌ\u3000width", "level": "warn"},
        {"text": "   "},
    ]
    assert (await admin(SAVE, {"w": words, "s": ["新华社", " ", "人民日报"]}))[
        "setSensitiveWords"
    ] == 3
    saved = (await admin(WORDS))["sensitiveWords"]
    assert [w["text"] for w in saved["words"]] == [
        "违禁词",
        "\u200b隐形\u200b",
        "ｆｕｌｌ\u3000width",
    ]
    assert saved["words"][0] == {
        "text": "违禁词",
        "level": "block",
        "suggestion": "合规说法",
        "note": "上级通知",
    }
    assert (
        saved["allowedSources"] == ["新华社", "人民日报"]
        and saved["updatedBy"]
        and saved["updatedAt"]
    )
    # another center's admin sees its own (empty) list; reporters and editors may not read it
    assert (await (await client(http, other, "admin"))(WORDS))["sensitiveWords"]["words"] == []
    for role in ("reporter", "editor", "chief_editor"):
        errors = await (await client(http, tenant, role)).errors(WORDS)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", role
    # a bad level is refused with a message an admin can act on, and nothing is half-written
    errors = await admin.errors(
        SAVE, {"w": [{"text": "新词"}, {"text": "坏级别", "level": "severe"}]}
    )
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT" and "拦截" in errors[0]["message"]
    assert (await admin(WORDS))["sensitiveWords"] == saved


async def test_a_long_list_reads_back_whole(http: httpx.AsyncClient) -> None:
    admin = await client(http, await make_tenant("adm"), "admin")
    words = [{"text": f"词{i:05d}", "level": "warn" if i % 2 else "block"} for i in range(5_000)]
    assert (await admin(SAVE, {"w": words}))["setSensitiveWords"] == 5_000
    saved = (await admin(WORDS))["sensitiveWords"]["words"]
    assert [w["text"] for w in saved] == [w["text"] for w in words]
    assert [w["level"] for w in saved] == [w["level"] for w in words]


async def test_every_channel_carries_the_schema_its_plugin_declares(
    http: httpx.AsyncClient, hub_app: Litestar
) -> None:
    manager = hub_app.state.distribution.channels
    operator = await client(http, await make_tenant("adm"), "channel_operator")
    channels = (await operator("{ channels { name configSchema } }"))["channels"]
    assert {c["name"] for c in channels} == set(manager.names())
    for c in channels:
        assert c["configSchema"] == manager.info(c["name"]).config_schema, c["name"]


class _Broken:
    """A channel plugin whose describe() raises: the manager skips it and records why."""

    @hookimpl
    def describe(self) -> Any:
        raise RuntimeError("渠道描述读取失败 broken on purpose")


async def test_a_plugin_that_did_not_load_is_listed_for_operators_only(
    http: httpx.AsyncClient, hub_app: Litestar
) -> None:
    manager = hub_app.state.distribution.channels
    tenant = await make_tenant("adm")
    admin, operator = (
        await client(http, tenant, "admin"),
        await client(http, tenant, "channel_operator"),
    )
    before = (await admin("{ pluginFailures { source error } }"))["pluginFailures"]
    assert before == [{"source": f.source, "error": f.error} for f in manager.failures]
    source = "broken_test = tests.e2e.test_admin_api:_Broken"
    assert manager.register(_Broken(), source=source) is None
    try:
        failures = (await operator("{ pluginFailures { source error } }"))["pluginFailures"]
        assert failures[-1] == {
            "source": source,
            "error": "RuntimeError: 渠道描述读取失败 broken on purpose",
        }
        for role in ("reporter", "editor"):
            errors = await (await client(http, tenant, role)).errors(
                "{ pluginFailures { source } }"
            )
            assert errors[0]["extensions"]["code"] == "FORBIDDEN", role
    finally:
        manager.failures[:] = [f for f in manager.failures if f.source != source]
