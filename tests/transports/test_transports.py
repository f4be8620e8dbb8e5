"""Transports: outbound address guard, atomic file drop, Standard Webhooks push."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest
from ronghub_sdk import PermanentDeliveryError, TransientDeliveryError, TransportKind
from ronghub_sdk.transports import FileDrop, PlatformApi, WebhookPush
from standardwebhooks.webhooks import Webhook

from hub.settings import Settings
from hub.signing import sign_webhook, verify_webhook
from hub.transports import (
    BlockedAddress,
    DirectoryDrop,
    WebhookSender,
    build_transport,
    check_outbound_url,
)
from hub.transports.feed import UnconfiguredFeed
from hub.transports.platform_api import PlatformApiClient
from tests.fakes.server import serve
from tests.fakes.webhook_receiver import WebhookReceiver

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 24).decode()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://localhost:8080/",
        "ftp://example.org/",
    ],
)
async def test_outbound_calls_to_private_or_loopback_addresses_are_refused(url: str) -> None:
    with pytest.raises(BlockedAddress) as caught:
        await check_outbound_url(url)
    assert caught.value.reason_zh


async def test_loopback_is_allowed_only_when_the_setting_says_so() -> None:
    await check_outbound_url("http://127.0.0.1:9/x", allow_loopback=True)
    with pytest.raises(BlockedAddress):
        await check_outbound_url("http://10.0.0.1/x", allow_loopback=True)
    await check_outbound_url("https://93.184.216.34/x")


async def test_file_drop_writes_atomically_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    drop = DirectoryDrop(tmp_path / "out")
    assert isinstance(drop, FileDrop)
    path = await drop.write("edition-2026-01-02.txt", "手机报".encode())
    await drop.write("edition-2026-01-02.txt", "手机报第二版".encode())
    assert Path(path).read_bytes().decode() == "手机报第二版"  # noqa: ASYNC240 (tiny test file)
    assert os.listdir(tmp_path / "out") == ["edition-2026-01-02.txt"]
    assert await drop.remove("edition-2026-01-02.txt") is True
    assert await drop.remove("edition-2026-01-02.txt") is False


@pytest.mark.parametrize("name", ["../escape.txt", "a/b.txt", ".hidden", ""])
async def test_file_drop_refuses_names_that_leave_its_directory(tmp_path: Path, name: str) -> None:
    with pytest.raises(PermanentDeliveryError):
        await DirectoryDrop(tmp_path).write(name, b"x")


def test_our_webhook_signature_is_accepted_by_the_standardwebhooks_library() -> None:
    body = b'{"title":"\xe6\xa0\x87\xe9\xa2\x98"}'
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign_webhook([OLD_SECRET, SECRET], "msg_1", now, body),
    }
    assert Webhook(SECRET).verify(body, headers) == {"title": "标题"}
    assert Webhook(OLD_SECRET).verify(body, headers) == {"title": "标题"}  # rotation: both sign
    assert verify_webhook(SECRET, headers, body)
    assert not verify_webhook(SECRET, headers, body + b" ")
    assert not verify_webhook(SECRET, headers, body, now=now + 301)  # replay after tolerance


async def test_webhook_push_is_verified_by_the_receiver_and_throttling_is_transient() -> None:
    receiver = WebhookReceiver(SECRET, script=[429])
    async with serve(receiver.app()) as base:
        sender = WebhookSender(base + "/hook", [SECRET], allow_loopback=True)
        assert isinstance(sender, WebhookPush)
        with pytest.raises(TransientDeliveryError) as throttled:
            await sender.push({"a": 1}, message_id="m1", event="story.published")
        assert throttled.value.retry_after_s == 1.0
        receipt = await sender.push({"标题": "一"}, message_id="m1", event="story.published")
        await sender.push({"标题": "一"}, message_id="m1", event="story.published")
    assert receipt.status == 200
    assert receiver.payloads() == [{"标题": "一"}] and receiver.rejected == 0


async def test_webhook_push_to_a_loopback_url_is_refused_by_default() -> None:
    with pytest.raises(BlockedAddress):
        await WebhookSender("http://127.0.0.1:1/hook", [SECRET]).push({}, message_id="m", event="e")


async def test_build_transport_makes_each_kind_from_configuration(tmp_path: Path) -> None:
    settings = Settings(outbound_allow_loopback=True)
    api = build_transport(
        "platform_api", {"transport": {"base_url": "http://127.0.0.1:1"}}, settings
    )
    assert (
        isinstance(api, PlatformApiClient) and isinstance(api, PlatformApi) and api.allow_loopback
    )
    drop = build_transport(
        TransportKind.FILE_DROP, {"transport": {"directory": str(tmp_path)}}, settings
    )
    assert isinstance(drop, DirectoryDrop)
    assert isinstance(build_transport("pull_feed", {}, settings), UnconfiguredFeed)
    with pytest.raises(PermanentDeliveryError, match="base_url"):
        build_transport("platform_api", {}, settings)
    with pytest.raises(PermanentDeliveryError):
        await UnconfiguredFeed().put_item("x", {})


def test_guarded_clients_share_one_verifying_tls_context() -> None:
    """Building a TLS context parses the CA bundle (10-20 ms of CPU); a client is made per
    delivery, so they share the process's one (still verifying host names)."""
    import ssl

    from hub.transports.outbound import OutboundPolicy, guarded_client

    contexts = [
        guarded_client(OutboundPolicy(False))._transport._pool._ssl_context for _ in range(3)
    ]  # type: ignore[attr-defined]
    assert contexts[0] is contexts[1] is contexts[2]
    assert contexts[0].verify_mode == ssl.CERT_REQUIRED and contexts[0].check_hostname
