"""Per-center channel settings: merged over the deployment's, secrets encrypted at rest
and masked in the API, and each center's deliveries use its own settings."""

from __future__ import annotations

import httpx
import pytest

from hub.distribution import channel_config
from hub.distribution import publications as pubs
from hub.distribution.channel_config import ChannelConfigDoc
from hub.distribution.states import PubState
from hub.errors import HubError
from hub.ids import new_id
from hub.settings import Settings
from hub.store.scope import Scope
from tests.conftest import GraphQLClient
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")
SETTINGS = Settings(mongodb_uri="mongodb://unused")  # development key-encryption secret


async def test_a_centers_secrets_are_encrypted_at_rest_and_read_back_for_delivery() -> None:
    scope = Scope("cfg-" + new_id(), actor="operator", public_only=False)
    await channel_config.save(
        scope,
        SETTINGS,
        "wechat",
        {
            "credentials": {"appid": "wx-center-a", "secret": "s3cret-a"},
            "transport": {"base_url": "https://api.weixin.example", "token": "t0k"},
            "limits": {"title_max": 30},
        },
    )
    raw = await ChannelConfigDoc.get_pymongo_collection().find_one(
        {"_id": f"{scope.tenant}:wechat"}
    )
    assert "s3cret-a" not in str(raw) and "t0k" not in str(raw) and "wx-center-a" not in str(raw)
    loaded = await channel_config.load(scope.tenant, "wechat", SETTINGS)
    assert loaded["credentials"] == {"appid": "wx-center-a", "secret": "s3cret-a"}
    assert loaded["transport"] == {"base_url": "https://api.weixin.example", "token": "t0k"}
    assert await channel_config.load("another-" + new_id(), "wechat", SETTINGS) == {}
    full = channel_config.masked(loaded)
    assert (
        "s3cret-a" not in str(full)
        and "t0k" not in str(full)
        and full["limits"] == {"title_max": 30}
    )
    shown = channel_config.redacted(await channel_config.get(scope.tenant, "wechat"))  # type: ignore[arg-type]
    assert (
        shown["credentials"] == channel_config.REDACTED
        and shown["transport"]["token"] == channel_config.REDACTED
    )


async def test_each_center_delivers_with_its_own_settings_over_the_deployments() -> None:
    rig = Rig()
    strict = Scope(rig.scope.tenant, actor="operator", public_only=False)
    rig.engine.channel_config = {"wall": {"limits": {"title_max": 20}}}  # the deployment's setting

    async def tenant_config(tenant: str, channel: str) -> dict[str, object]:
        return await channel_config.load(tenant, channel, SETTINGS)

    rig.engine.tenant_config = tenant_config
    await channel_config.save(
        strict, SETTINGS, "wall", {"limits": {"title_max": 4}}
    )  # this center: stricter
    assert (await rig.engine.config_for(rig.scope.tenant, "wall"))["limits"]["title_max"] == 4
    assert (await rig.engine.config_for("other-" + new_id(), "wall"))["limits"]["title_max"] == 20

    story = await rig.approve(await rig.story(["wall"], title="示例区防汛演练"))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.FAILED and pub.problems[0]["code"] == "WALL_TEXT_TOO_LONG"
    assert "4" in pub.problems[0]["message_zh"]
    assert (await pubs.of_story(rig.scope.tenant, story.id))[0].id == pub.id


async def test_over_graphql_settings_are_masked_and_unknown_channels_refused(
    editor: GraphQLClient,
) -> None:
    data = (
        await editor(
            'mutation($c: JSON!) { configureChannel(channel: "wechat", config: $c) { config effective updatedBy } }',
            {
                "c": {
                    "credentials": {"appid": "wx-1", "secret": "never-shown"},
                    "limits": {"title_max": 28},
                }
            },
        )
    )["configureChannel"]
    assert "never-shown" not in str(data)
    assert data["config"]["credentials"] == channel_config.REDACTED
    assert data["effective"]["limits"]["title_max"] == 28 and data["updatedBy"]
    errors = await editor.errors(
        'mutation { configureChannel(channel: "fax", config: {}) { config } }'
    )
    assert errors[0]["extensions"]["code"] == "CHANNEL_UNKNOWN"


@pytest.mark.parametrize(
    ("transport", "field"),
    [
        ({"base_url": "http://127.0.0.1:8080/api"}, "transport.base_url"),
        ({"url": "http://[2002:a00:1::]/hook"}, "transport.url"),
        ({"token_url": "http://2130706433/token"}, "transport.token_url"),
        ({"base_url": "http://169.254.169.254/"}, "transport.base_url"),
    ],
)
async def test_a_channel_address_into_a_private_network_is_refused_when_saved(
    transport: dict[str, str], field: str
) -> None:
    scope = Scope("cfg-" + new_id(), actor="operator", public_only=False)
    with pytest.raises(HubError) as caught:
        await channel_config.save(scope, SETTINGS, "wechat", {"transport": transport})
    assert caught.value.kind.code == "CHANNEL_URL_BLOCKED" and field in caught.value.message_zh
    assert await channel_config.get(scope.tenant, "wechat") is None


async def test_the_loopback_setting_lets_local_stand_ins_be_configured() -> None:
    scope = Scope("cfg-" + new_id(), actor="operator", public_only=False)
    local = Settings(mongodb_uri="mongodb://unused", outbound_allow_loopback=True)
    await channel_config.save(
        scope, local, "wechat", {"transport": {"base_url": "http://127.0.0.1:8080/api"}}
    )
    with pytest.raises(HubError):
        await channel_config.save(
            scope, local, "wechat", {"transport": {"base_url": "http://10.0.0.1/api"}}
        )


async def test_a_file_drop_directory_with_a_nul_byte_is_refused(editor: GraphQLClient) -> None:
    errors = await editor.errors(
        'mutation($c: JSON!) { configureChannel(channel: "sms", config: $c) { config } }',
        {"c": {"transport": {"directory": "/srv/drop\u0000/../etc"}}},
    )
    assert errors[0]["extensions"]["code"] == "BAD_FILE_NAME"
    errors = await editor.errors(
        'mutation($c: JSON!) { configureChannel(channel: "wechat", config: $c) { config } }',
        {"c": {"transport": {"base_url": "http://[::ffff:169.254.169.254]/"}}},
    )
    assert errors[0]["extensions"]["code"] == "CHANNEL_URL_BLOCKED"


def test_a_masked_secret_is_the_stored_one_and_a_mask_with_nothing_behind_it_is_refused() -> None:
    stored = {
        "credentials": {"appid": "wx", "secret": "s"},
        "transport": {"base_url": "https://a.example", "token": "t"},
    }
    back = {
        "credentials": channel_config.REDACTED,
        "transport": {"base_url": "https://b.example", "token": channel_config.REDACTED},
        "limits": {"title_max": 20},
    }
    assert channel_config.unmask(back, stored) == {
        "credentials": {"appid": "wx", "secret": "s"},
        "transport": {"base_url": "https://b.example", "token": "t"},
        "limits": {"title_max": 20},
    }
    assert channel_config.unmask({"credentials": {"appid": "new"}}, stored) == {
        "credentials": {"appid": "new"}
    }  # replaced
    assert channel_config.unmask({"limits": {}}, stored) == {
        "limits": {}
    }  # left out: gone, as before
    for config in (
        {"signing": channel_config.REDACTED},
        {"transport": {"token": channel_config.REDACTED}},
    ):
        with pytest.raises(HubError) as caught:
            channel_config.unmask(
                config, stored if "transport" not in config else {"transport": {}}
            )
        assert caught.value.kind.code == "INVALID_INPUT" and "请填写" in caught.value.message_zh


async def test_a_form_saves_the_settings_it_was_shown_and_the_secrets_stay(
    http: httpx.AsyncClient,
) -> None:
    from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

    tenant = await make_tenant("cfg")
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    save = 'mutation($c: JSON!) { configureChannel(channel: "wechat", config: $c) { config effective } }'
    shown = await admin(
        save,
        {
            "c": {
                "credentials": {"appid": "wx-9", "secret": "kept-secret"},
                "limits": {"title_max": 28},
            }
        },
    )
    config = shown["configureChannel"]["config"]
    assert config["credentials"] == channel_config.REDACTED
    config["limits"] = {
        "title_max": 30
    }  # the form changes a limit and sends back what it was shown
    again = (await admin(save, {"c": config}))["configureChannel"]
    assert (
        again["effective"]["limits"]["title_max"] == 30
        and again["config"]["credentials"] == channel_config.REDACTED
    )
    loaded = await channel_config.load(tenant, "wechat", SETTINGS)
    assert loaded["credentials"] == {"appid": "wx-9", "secret": "kept-secret"}
    errors = await admin.errors(
        save, {"c": {"signing": channel_config.REDACTED}}
    )  # nothing stored to keep
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT" and "signing" in str(errors[0])
    assert (await channel_config.load(tenant, "wechat", SETTINGS))["limits"] == {
        "title_max": 30
    }  # unchanged
