"""Signing (v1 + v1a, rotation), one delivery attempt, and the SSRF guard at save and connect time."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from ronghub_sdk.verify import InvalidSignature, StaticKeys, WebhookVerifier
from standardwebhooks.webhooks import Webhook

from hub.feeds.webhooks.schedule import Verdict, classify
from hub.signing import sign_webhook
from hub.transports.outbound import (
    BlockedAddress,
    OutboundPolicy,
    check_outbound_url,
    guarded_client,
)
from hub.transports.webhook import encode_payload, send_signed, webhook_headers
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on

SECRET = "whsec_" + base64.b64encode(b"s" * 32).decode()
OLD = "whsec_" + base64.b64encode(b"o" * 32).decode()
KEY = Ed25519PrivateKey.generate()
NEXT_KEY = Ed25519PrivateKey.generate()


def whpk(key: Ed25519PrivateKey) -> str:
    return (
        "whpk_"
        + base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    )


def test_v1_and_v1a_side_by_side_during_rotation() -> None:
    body = encode_payload({"type": "story.published", "data": {"标题": "一"}})
    now = int(time.time())
    header = sign_webhook([OLD, SECRET], "msg_9", now, body, ed25519_keys=[KEY, NEXT_KEY])
    assert [e.split(",")[0] for e in header.split()] == ["v1", "v1", "v1a", "v1a"]
    headers = webhook_headers("msg_9", now, header)
    # the independent library accepts v1 with either secret
    assert Webhook(SECRET).verify(body, headers) == {
        "type": "story.published",
        "data": {"标题": "一"},
    }
    assert Webhook(OLD).verify(body, headers)
    # the SDK accepts v1a with either key
    for key in (KEY, NEXT_KEY):
        assert WebhookVerifier(public_keys=[whpk(key)]).verify(headers, body).scheme == "v1a"
    with pytest.raises(InvalidSignature):
        WebhookVerifier(public_keys=[whpk(Ed25519PrivateKey.generate())]).verify(headers, body)
    with pytest.raises(ValueError):
        sign_webhook([], "m", now, body)


LOOPBACK = OutboundPolicy(allow_loopback=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00:ec2::254]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http://user:pw@93.184.216.34/hook",
    ],
)
async def test_private_targets_are_refused_with_a_clear_message(url: str) -> None:
    with pytest.raises(BlockedAddress) as err:
        await check_outbound_url(url)
    assert err.value.reason_zh and err.value.reason_en


async def test_allow_list_opens_exactly_the_named_ranges() -> None:
    await check_outbound_url("https://93.184.216.34/hook")
    await check_outbound_url("http://127.0.0.1:9/hook", policy=LOOPBACK)
    await check_outbound_url(
        "http://10.9.8.7/hook", policy=OutboundPolicy.of(allow_networks=["10.9.0.0/16"])
    )
    with pytest.raises(BlockedAddress):
        await check_outbound_url(
            "http://10.10.0.1/hook", policy=OutboundPolicy.of(allow_networks=["10.9.0.0/16"])
        )
    with pytest.raises(BlockedAddress):  # loopback allowed does not open metadata
        await check_outbound_url("http://169.254.169.254/", policy=LOOPBACK)


async def test_connect_time_guard_refuses_what_resolves_to_loopback() -> None:
    """The guard resolves at connect time: a name that resolves to a forbidden address is
    refused even if nobody checked the URL before (DNS rebinding between check and send)."""
    receiver = WebhookReceiver(SECRET)
    async with serve_on(receiver.app()) as base:
        port = base.rsplit(":", 1)[1]
        body = encode_payload({"a": 1})
        now = int(time.time())
        headers = webhook_headers("m1", now, sign_webhook([SECRET], "m1", now, body))
        async with guarded_client(OutboundPolicy()) as client:
            attempt = await send_signed(client, f"http://localhost:{port}/hook", body, headers)
        assert attempt.blocked and attempt.status is None and "refused" in (attempt.error or "")
        assert receiver.attempts == 0
        async with guarded_client(LOOPBACK) as client:
            attempt = await send_signed(client, f"http://localhost:{port}/hook", body, headers)
        assert attempt.status == 200 and not attempt.blocked
    assert receiver.payloads() == [{"a": 1}]


async def test_one_attempt_reports_status_retry_after_and_refused_connections() -> None:
    receiver = WebhookReceiver(SECRET, script=[(503, "7"), 410, 400])
    body = encode_payload({"a": 1})
    now = int(time.time())
    headers = webhook_headers("m1", now, sign_webhook([SECRET], "m1", now, body))
    async with serve_on(receiver.app()) as base, guarded_client(LOOPBACK, timeout_s=5) as client:
        first = await send_signed(client, base + "/hook", body, headers)
        assert (first.status, first.retry_after) == (503, "7")
        assert classify(first.status, first.retry_after).retry_after_s == 7
        assert (
            classify((await send_signed(client, base + "/hook", body, headers)).status).verdict
            is Verdict.GONE
        )
        assert (
            classify((await send_signed(client, base + "/hook", body, headers)).status).verdict
            is Verdict.FAILED
        )
        ok = await send_signed(client, base + "/hook", body, headers)
        assert ok.status == 200 and ok.duration_ms >= 0
    async with guarded_client(LOOPBACK, timeout_s=5) as client:
        down = await send_signed(client, base + "/hook", body, headers)  # server stopped: refused
    assert down.status is None and down.error and not down.blocked
    assert classify(down.status).verdict is Verdict.FAILED


def test_sm2_entry_verifies_with_the_sdk_and_refuses_tampering() -> None:
    import base64 as b64

    from ronghub_sdk import sm2

    from hub.signing.sm2 import jwk

    private, public = sm2.new_key()
    body = encode_payload({"type": "story.published", "data": {"标题": "政务"}})
    now = int(time.time())
    entry = "sm2," + b64.b64encode(sm2.sign(f"g1.{now}.".encode() + body, private, public)).decode()
    headers = webhook_headers("g1", now, sign_webhook([SECRET], "g1", now, body, extra=[entry]))
    assert WebhookVerifier(sm2_public_keys=[public]).verify(headers, body).scheme == "sm2"
    assert WebhookVerifier(sm2_public_keys=["04" + public]).verify(headers, body).scheme == "sm2"
    jwks = {"keys": [jwk(public)]}  # as /feeds/jwks.json publishes it
    assert WebhookVerifier(keys=StaticKeys.from_jwks(jwks)).verify(headers, body).scheme == "sm2"
    assert Webhook(SECRET).verify(body, headers)  # the standard library skips the extra entry
    with pytest.raises(InvalidSignature):
        WebhookVerifier(sm2_public_keys=[public]).verify(headers, body + b" ")
    with pytest.raises(InvalidSignature):
        WebhookVerifier(sm2_public_keys=[sm2.new_key()[1]]).verify(headers, body)
