"""Per-center channel settings: merged over the deployment's, secrets encrypted at rest
and masked in the API, and each center's deliveries use its own settings."""

from __future__ import annotations

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
    await channel_config.save(scope, SETTINGS, "wechat", {
        "credentials": {"appid": "wx-center-a", "secret": "s3cret-a"},
        "transport": {"base_url": "https://api.weixin.example", "token": "t0k"},
        "limits": {"title_max": 30},
    })  # fmt: skip
    raw = await ChannelConfigDoc.get_pymongo_collection().find_one({"_id": f"{scope.tenant}:wechat"})
    assert "s3cret-a" not in str(raw) and "t0k" not in str(raw) and "wx-center-a" not in str(raw)
    loaded = await channel_config.load(scope.tenant, "wechat", SETTINGS)
    assert loaded["credentials"] == {"appid": "wx-center-a", "secret": "s3cret-a"}
    assert loaded["transport"] == {"base_url": "https://api.weixin.example", "token": "t0k"}
    assert await channel_config.load("another-" + new_id(), "wechat", SETTINGS) == {}
    full = channel_config.masked(loaded)
    assert "s3cret-a" not in str(full) and "t0k" not in str(full) and full["limits"] == {"title_max": 30}
    shown = channel_config.redacted(await channel_config.get(scope.tenant, "wechat"))  # type: ignore[arg-type]
    assert shown["credentials"] == channel_config.REDACTED and shown["transport"]["token"] == channel_config.REDACTED


async def test_each_center_delivers_with_its_own_settings_over_the_deployments() -> None:
    rig = Rig()
    strict = Scope(rig.scope.tenant, actor="operator", public_only=False)
    rig.engine.channel_config = {"wall": {"limits": {"title_max": 20}}}  # the deployment's setting

    async def tenant_config(tenant: str, channel: str) -> dict[str, object]:
        return await channel_config.load(tenant, channel, SETTINGS)

    rig.engine.tenant_config = tenant_config
    await channel_config.save(strict, SETTINGS, "wall", {"limits": {"title_max": 4}})  # this center: stricter
    assert (await rig.engine.config_for(rig.scope.tenant, "wall"))["limits"]["title_max"] == 4
    assert (await rig.engine.config_for("other-" + new_id(), "wall"))["limits"]["title_max"] == 20

    story = await rig.approve(await rig.story(["wall"], title="示例区防汛演练"))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.FAILED and pub.problems[0]["code"] == "WALL_TEXT_TOO_LONG"
    assert "4" in pub.problems[0]["message_zh"]
    assert (await pubs.of_story(rig.scope.tenant, story.id))[0].id == pub.id


async def test_over_graphql_settings_are_masked_and_unknown_channels_refused(editor: GraphQLClient) -> None:
    data = (await editor(
        'mutation($c: JSON!) { configureChannel(channel: "wechat", config: $c) { config effective updatedBy } }',
        {"c": {"credentials": {"appid": "wx-1", "secret": "never-shown"}, "limits": {"title_max": 28}}},
    ))["configureChannel"]  # fmt: skip
    assert "never-shown" not in str(data)
    assert data["config"]["credentials"] == channel_config.REDACTED
    assert data["effective"]["limits"]["title_max"] == 28 and data["updatedBy"]
    errors = await editor.errors('mutation { configureChannel(channel: "fax", config: {}) { config } }')
    assert errors[0]["extensions"]["code"] == "CHANNEL_UNKNOWN"


@pytest.mark.parametrize(
    ("transport", "field"),
    [({"base_url": "http://127.0.0.1:8080/api"}, "transport.base_url"), ({"url": "http://[2002:a00:1::]/hook"}, "transport.url"),
     ({"token_url": "http://2130706433/token"}, "transport.token_url"), ({"base_url": "http://169.254.169.254/"}, "transport.base_url")],
)  # fmt: skip
async def test_a_channel_address_into_a_private_network_is_refused_when_saved(transport: dict[str, str], field: str) -> None:
    scope = Scope("cfg-" + new_id(), actor="operator", public_only=False)
    with pytest.raises(HubError) as caught:
        await channel_config.save(scope, SETTINGS, "wechat", {"transport": transport})
    assert caught.value.kind.code == "CHANNEL_URL_BLOCKED" and field in caught.value.message_zh
    assert await channel_config.get(scope.tenant, "wechat") is None


async def test_the_loopback_setting_lets_local_stand_ins_be_configured() -> None:
    scope = Scope("cfg-" + new_id(), actor="operator", public_only=False)
    local = Settings(mongodb_uri="mongodb://unused", outbound_allow_loopback=True)
    await channel_config.save(scope, local, "wechat", {"transport": {"base_url": "http://127.0.0.1:8080/api"}})
    with pytest.raises(HubError):
        await channel_config.save(scope, local, "wechat", {"transport": {"base_url": "http://10.0.0.1/api"}})


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
