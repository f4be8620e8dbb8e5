"""RFC 9421 signatures of feed responses, checked by an independent library
(`http-message-signatures`) and by the hand-written verifier in helpers.py."""

from __future__ import annotations

import base64
from typing import Any

import http_sfv
import httpx
import pytest
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from gmssl import sm2 as gm_sm2
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms
from http_message_signatures.exceptions import InvalidSignature

from hub.settings import Settings
from hub.signing import keys
from hub.signing.http_signatures import (
    Signer,
    content_digest,
    sign_response,
    signature_base,
    signature_params,
    signature_params_text,
)
from tests.feeds.helpers import make_partner, publish, subscribe, verify_ed25519

PROFILE = ('"@status"', '"content-type"', '"content-digest"', '"@method";req', '"@target-uri";req')


class JwksResolver(HTTPSignatureKeyResolver):
    def __init__(self, jwks: dict[str, Any]) -> None:
        self.keys = {k["kid"]: k for k in jwks["keys"] if k["kty"] == "OKP"}

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        k = self.keys.get(key_id)
        if k is None:
            return None
        return Ed25519PublicKey.from_public_bytes(
            base64.urlsafe_b64decode(k["x"] + "=" * (-len(k["x"]) % 4))
        )


class WrongKey(HTTPSignatureKeyResolver):
    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        return Ed25519PrivateKey.generate().public_key()


def library_verify(
    response: httpx.Response, resolver: HTTPSignatureKeyResolver, body: bytes | None = None
) -> list[Any]:
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    return verifier.verify(
        response,
        expect_tag="ronghub-feed",
        require_components=PROFILE,
        body=response.content if body is None else body,
    )


async def _jwks(http: httpx.AsyncClient) -> dict[str, Any]:
    return (await http.get("/feeds/jwks.json")).json()  # type: ignore[no-any-return]


async def test_feed_304_error_and_jwks_responses_verify_with_an_independent_library(
    http: httpx.AsyncClient, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    await publish(http, partner, "签名测试")
    await drain()
    jwks = await _jwks(http)
    url = f"/feeds/{sub['id']}/feed.json?after=0&limit=10"
    ok = await http.get(url, headers=partner.headers)
    results = library_verify(ok, JwksResolver(jwks))
    assert results and results[0].parameters["keyid"] == jwks["keys"][0]["kid"]
    assert results[0].body == ok.content
    not_modified = await http.get(
        url, headers={**partner.headers, "if-none-match": ok.headers["etag"]}
    )
    assert not_modified.status_code == 304
    library_verify(not_modified, JwksResolver(jwks))
    refused = await http.get(url)  # no token: 401, signed too
    assert (
        refused.status_code == 401
        and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )
    library_verify(refused, JwksResolver(jwks))
    set_response = await http.get("/feeds/jwks.json")
    library_verify(set_response, JwksResolver(jwks))

    # tampered body, wrong key, altered status: refused by both verifiers
    with pytest.raises(InvalidSignature):
        library_verify(
            ok, JwksResolver(jwks), body=ok.content.replace("签名".encode(), "篡改".encode())
        )
    tampered = httpx.Response(
        200, headers=ok.headers, content=ok.content + b" ", request=ok.request
    )
    with pytest.raises(AssertionError, match="content digest"):
        verify_ed25519(tampered, jwks)
    with pytest.raises(InvalidSignature):
        library_verify(ok, WrongKey())
    other = Ed25519PrivateKey.generate().public_key()
    raw = other.public_bytes_raw()
    fake = {
        "keys": [
            {**k, "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()} for k in jwks["keys"]
        ]
    }
    with pytest.raises(CryptoInvalidSignature):
        verify_ed25519(ok, fake)
    wrong_status = httpx.Response(203, headers=ok.headers, content=ok.content, request=ok.request)
    with pytest.raises(InvalidSignature):
        library_verify(wrong_status, JwksResolver(jwks))
    other_uri = httpx.Response(
        200,
        headers=ok.headers,
        content=ok.content,
        request=httpx.Request("GET", str(ok.request.url).replace("after=0", "after=1")),
    )
    with pytest.raises(InvalidSignature):
        library_verify(other_uri, JwksResolver(jwks))


async def test_during_rotation_both_keys_sign(
    http: httpx.AsyncClient, hub_settings: Settings, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    before = (await keys.signing_keys(hub_settings))[0]
    new = await keys.rotate(hub_settings, immediate=True)
    jwks = await _jwks(http)
    assert [k["kid"] for k in jwks["keys"]][:2] == [new.kid, before.kid]
    r = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
    inputs = http_sfv.Dictionary()
    inputs.parse(r.headers["signature-input"].encode())
    assert list(inputs) == ["sig1", "sig2"]
    assert verify_ed25519(r, jwks, label="sig1")["keyid"] == new.kid
    assert verify_ed25519(r, jwks, label="sig2")["keyid"] == before.kid
    assert {x.parameters["keyid"] for x in library_verify(r, JwksResolver(jwks))} == {
        new.kid,
        before.kid,
    }
    # a partner that only knows the old key still verifies
    only_old = {"keys": [k for k in jwks["keys"] if k["kid"] == before.kid]}
    verify_ed25519(r, only_old, label="sig2")


def sm2_verify(r: httpx.Response, jwks: dict[str, Any], label: str, tamper: bytes = b"") -> str:
    """Checks one `sm2-sm3` signature of a response with gmssl (not our SM2 module) and the
    JWKS key its keyid names; returns the keyid."""
    inputs = http_sfv.Dictionary()
    inputs.parse(r.headers["signature-input"].encode())
    params = inputs[label]
    assert params.params["alg"] == "sm2-sm3"
    key = next(k for k in jwks["keys"] if k["kid"] == params.params["keyid"])
    assert (key["kty"], key["crv"], key["alg"]) == ("EC", "SM2", "SM2-SM3")
    public = (
        base64.urlsafe_b64decode(key["x"] + "=") + base64.urlsafe_b64decode(key["y"] + "=")
    ).hex()
    sigs = http_sfv.Dictionary()
    sigs.parse(r.headers["signature"].encode())
    lines = [
        '"@status": 200',
        f'"content-type": {r.headers["content-type"]}',
        f'"content-digest": {content_digest(r.content)}',
        '"@method";req: GET',
        f'"@target-uri";req: {r.request.url}',
        f'"@signature-params": {params}',
    ]
    base = "\n".join(lines).encode() + tamper
    crypt = gm_sm2.CryptSM2(private_key="00" * 32, public_key=public)
    assert crypt.verify_with_sm3(sigs[label].value.hex(), base)
    return str(params.params["keyid"])


async def test_sm2_subscriptions_are_signed_with_sm2_sm3(
    http: httpx.AsyncClient, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner, alg="sm2")
    assert sub["signatureAlgorithm"] == "sm2"
    r = await http.get(f"/feeds/{sub['id']}/feed.ninjs.json", headers=partner.headers)
    assert r.status_code == 200
    jwks = await _jwks(http)
    sm2_verify(r, jwks, "sig1")
    with pytest.raises(AssertionError):
        sm2_verify(r, jwks, "sig1", tamper=b"x")


async def test_the_sm2_key_rotates_with_an_overlap_like_the_ed25519_one(
    http: httpx.AsyncClient, hub_settings: Settings, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner, alg="sm2")  # makes the first SM2 key
    before = (await keys.signing_keys(hub_settings, keys.SM2))[0]
    ed_before = [k.kid for k in await keys.signing_keys(hub_settings)]
    new = await keys.rotate(hub_settings, immediate=True, alg=keys.SM2)
    assert new.alg == keys.SM2 and new.kid != before.kid
    # the Ed25519 keys are untouched by an SM2 rotation
    assert [k.kid for k in await keys.signing_keys(hub_settings)] == ed_before
    jwks = await _jwks(http)
    kinds = [(k["kty"], k["kid"]) for k in jwks["keys"]]
    sm2_kids = [kid for kty, kid in kinds if kty == "EC"]
    assert sm2_kids[:2] == [new.kid, before.kid]
    assert all(kty == "OKP" for kty, _ in kinds[: len(kinds) - len(sm2_kids)])  # Ed25519 first
    r = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
    assert r.status_code == 200
    inputs = http_sfv.Dictionary()
    inputs.parse(r.headers["signature-input"].encode())
    assert list(inputs) == ["sig1", "sig2"]
    assert sm2_verify(r, jwks, "sig1") == new.kid
    assert sm2_verify(r, jwks, "sig2") == before.kid
    # a partner that only has the old key still verifies during the overlap
    only_old = {"keys": [k for k in jwks["keys"] if k["kid"] == before.kid]}
    assert sm2_verify(r, only_old, "sig2") == before.kid


def test_the_signature_base_follows_rfc_9421() -> None:
    """§2.5: one line per component, then @signature-params, joined by LF, no trailing LF."""
    params = signature_params(1_700_000_000, "kid-1", "ed25519")
    base = signature_base(
        status=200,
        content_type="application/feed+json",
        digest=content_digest(b"{}"),
        method="get",
        target_uri="https://hub.example/feeds/s/feed.json?after=3",
        params=params,
    )
    assert base.decode() == (
        '"@status": 200\n"content-type": application/feed+json\n'
        '"content-digest": sha-256=:RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=:\n'
        '"@method";req: GET\n"@target-uri";req: https://hub.example/feeds/s/feed.json?after=3\n'
        '"@signature-params": ("@status" "content-type" "content-digest" "@method";req "@target-uri";req)'
        ';created=1700000000;expires=1700000300;keyid="kid-1";alg="ed25519";tag="ronghub-feed"'
    )
    key = Ed25519PrivateKey.generate()
    headers = sign_response(
        status=200,
        content_type="application/feed+json",
        body=b"{}",
        method="GET",
        target_uri="https://hub.example/x",
        signers=[Signer("a", "ed25519", key.sign), Signer("b", "ed25519", key.sign)],
        created=5,
    )
    assert (
        headers["Signature-Input"].startswith('sig1=("@status"')
        and ", sig2=(" in headers["Signature-Input"]
    )


def test_the_hand_written_structured_fields_are_what_http_sfv_writes() -> None:
    """The headers are serialized by hand (hub/signing/http_signatures.py); RFC 8941 by
    http_sfv gives the same text, escapes included, and it parses back."""
    key = Ed25519PrivateKey.generate()
    for keyid in ("kid-1", "Zm9v_YmFy-0123456789abcdefABCDEF", 'odd "quoted" \\ kid', " "):
        assert signature_params_text(1_700_000_000, keyid, "sm2-sm3") == str(
            signature_params(1_700_000_000, keyid, "sm2-sm3")
        )
        headers = sign_response(
            status=200,
            content_type="application/feed+json",
            body=b"{}",
            method="GET",
            target_uri="https://hub.example/x",
            signers=[Signer(keyid, "ed25519", key.sign), Signer("b", "ed25519", key.sign)],
            created=5,
        )
        inputs, sigs = http_sfv.Dictionary(), http_sfv.Dictionary()
        inputs.parse(headers["Signature-Input"].encode())
        sigs.parse(headers["Signature"].encode())
        assert str(inputs) == headers["Signature-Input"] and str(sigs) == headers["Signature"]
        assert inputs["sig1"].params["keyid"] == keyid and len(sigs["sig2"].value) == 64
    with pytest.raises(ValueError):
        signature_params_text(1, "键", "ed25519")  # not a structured-field string


async def test_an_unexpected_failure_is_a_signed_500(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.feeds import pages

    partner = await make_partner(http)
    sub = await subscribe(http, partner)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store hiccup")

    monkeypatch.setattr(pages, "read", broken)
    r = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
    assert r.status_code == 500 and r.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    library_verify(r, JwksResolver(await _jwks(http)))
