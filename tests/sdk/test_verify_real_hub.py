"""The SDK verifier against the real hub: signed feed responses in every format, the hub's
JWKS with its Cache-Control, a key rotation, and real webhook deliveries to a partner
endpoint managed by the partner client itself."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from ronghub_sdk.verify import (
    AsyncFeedVerifier,
    AsyncJwksClient,
    AsyncWebhookVerifier,
    DigestMismatch,
    FeedVerifier,
    InvalidSignature,
    JwksClient,
    ReplayedMessage,
)

from hub.settings import Settings
from hub.signing import keys
from tests.conftest import wait_until
from tests.fakes.webhook_receiver import WebhookReceiver, serve_on
from tests.feeds.helpers import gql, make_partner, publish, subscribe

FORMATS = ["feed.json", "feed.ninjs.json", "rss.xml", "atom.xml"]


async def test_real_feed_responses_verify_sync_and_async(
    http: httpx.AsyncClient, hub_url: str, drain: Any
) -> None:
    partner = await make_partner(http, prefix="sdk")
    sub = await subscribe(http, partner)
    await publish(http, partner, "县里的春耕")
    await drain()
    jwks_url = hub_url + "/feeds/jwks.json"
    async_keys = AsyncJwksClient(jwks_url, client=http)
    averifier = AsyncFeedVerifier(async_keys)
    # the sync client does blocking HTTP: run it off the event loop that serves the hub
    sync_keys = JwksClient(jwks_url)
    verifier = FeedVerifier(sync_keys)
    for path in [*(p for p in FORMATS)]:
        response = await http.get(f"/feeds/{sub['id']}/{path}", headers=partner.headers)
        assert response.status_code == 200, response.text
        signature = await averifier.verify_response(response)
        assert signature.expires - signature.created == 300
        assert (await asyncio.to_thread(verifier.verify_response, response)).kid == signature.kid
    assert async_keys.fetches == 1 and sync_keys.fetches == 1  # Cache-Control max-age honoured
    # a signed 304 verifies too
    etag = response.headers["etag"]
    not_modified = await http.get(
        f"/feeds/{sub['id']}/{path}", headers={**partner.headers, "if-none-match": etag}
    )
    assert not_modified.status_code == 304
    await averifier.verify_response(not_modified)
    # tampering: the body, or the request the signature was made for
    with pytest.raises(DigestMismatch):
        await averifier.verify(
            status=200,
            method="GET",
            target_uri=str(response.request.url),
            headers=response.headers,
            body=response.content + b"<!-- -->",
        )
    with pytest.raises(InvalidSignature):
        await averifier.verify(
            status=200,
            method="GET",
            target_uri=str(response.request.url) + "?after=0",
            headers=response.headers,
            body=response.content,
        )


async def test_key_rotation_two_signatures_and_one_refetch(
    http: httpx.AsyncClient, hub_url: str, hub_settings: Settings, drain: Any
) -> None:
    partner = await make_partner(http, prefix="sdk")
    sub = await subscribe(http, partner)
    await publish(http, partner, "轮换前")
    await drain()
    async_keys = AsyncJwksClient(hub_url + "/feeds/jwks.json", client=http, min_refetch_s=0)
    verifier = AsyncFeedVerifier(async_keys)
    before = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
    old_kid = (await verifier.verify_response(before)).kid
    new = await keys.rotate(hub_settings, immediate=True)
    # the serving hub re-reads its keys every key_refresh_seconds: poll until it signs with both
    deadline = asyncio.get_running_loop().time() + hub_settings.key_refresh_seconds + 60
    while True:
        after = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
        labels = after.headers["signature-input"]
        if "sig2=" in labels or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert "sig1=" in labels and "sig2=" in labels  # new key first, old key still signing
    signature = await verifier.verify_response(after)
    assert (
        signature.kid == new.kid != old_kid and async_keys.fetches == 2
    )  # one refetch for the new kid
    # a verifier that only knows the old key still accepts (any valid signature passes)
    from ronghub_sdk.verify import StaticKeys

    old_only = StaticKeys(
        [k for k in (await http.get("/feeds/jwks.json")).json()["keys"] if k["kid"] == old_kid]
    )
    assert (await AsyncFeedVerifier(old_only).verify_response(after)).kid == old_kid


CREATE = """mutation($s: ID!, $url: String!) {
  createWebhookEndpoint(input: {subscriptionId: $s, url: $url}) { secret endpoint { id } } }"""


async def test_partner_client_manages_its_endpoint_and_verifies_deliveries(
    http: httpx.AsyncClient,
    hub_url: str,
    hub_settings: Settings,
    drain: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        hub_settings, "outbound_allow_loopback", True
    )  # the receiver is on 127.0.0.1
    partner = await make_partner(http, prefix="sdk")
    sub = await subscribe(http, partner)
    receiver = WebhookReceiver("")
    async with serve_on(receiver.app()) as base:
        body = await gql(http, partner.headers, CREATE, {"s": sub["id"], "url": base + "/hook"})
        assert "errors" not in body, body
        receiver.secret = body["data"]["createWebhookEndpoint"]["secret"]
        endpoint_id = body["data"]["createWebhookEndpoint"]["endpoint"]["id"]
        # the center's admin sees it; another client of the same center does not
        listed = await gql(http, partner.admin, "{ webhookEndpoints { id } }")
        assert [e["id"] for e in listed["data"]["webhookEndpoints"]] == [endpoint_id]
        other = await make_partner(http, tenant=partner.tenant)
        hidden = await gql(http, other.headers, "{ webhookEndpoints { id } }")
        assert hidden["data"]["webhookEndpoints"] == []
        await publish(http, partner, "推送给合作方")
        await drain()  # distribution appends to the partner log; the story event wakes the endpoint

        async def arrived() -> bool:
            await drain()
            return bool(receiver.arrivals)

        await wait_until(arrived, "the webhook arriving")
    assert receiver.rejected == 0 and [a.payload["type"] for a in receiver.arrivals] == [
        "story.published"
    ]
    arrival = receiver.arrivals[0]
    verifier = AsyncWebhookVerifier(keys=AsyncJwksClient(hub_url + "/feeds/jwks.json", client=http))
    message = await verifier.verify(arrival.headers, arrival.body)
    assert message.scheme == "v1a" and message.payload["data"]["content"]["title"] == "推送给合作方"
    with pytest.raises(ReplayedMessage):
        await verifier.verify(arrival.headers, arrival.body)


async def test_sm2_signed_feed_verifies_with_the_jwks(
    http: httpx.AsyncClient, hub_url: str, drain: Any
) -> None:
    partner = await make_partner(http, prefix="sdk")
    sub = await subscribe(http, partner, alg="sm2")
    await publish(http, partner, "政务公开")
    await drain()
    response = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
    assert response.status_code == 200 and 'alg="sm2-sm3"' in response.headers["signature-input"]
    verifier = AsyncFeedVerifier(AsyncJwksClient(hub_url + "/feeds/jwks.json", client=http))
    signature = await verifier.verify_response(response)
    assert signature.label == "sig1"
    with pytest.raises(DigestMismatch):
        await verifier.verify(
            status=200,
            method="GET",
            target_uri=str(response.request.url),
            headers=response.headers,
            body=response.content[:-1],
        )
