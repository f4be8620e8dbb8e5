"""Partners for the feed tests: a center with an admin, a partner client, its token and a
subscription, all made through the hub's own doors (GraphQL, /oauth/token)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import http_sfv
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.e2e.identity_helpers import make_tenant, make_user, sign_in, token_request

CREATE_STORY = (
    'mutation($t: String!, $tags: [String!]) { createStory(input: {title: $t, bodyText: "正文内容", '
    'tags: $tags, byline: "张三 李四"}) { id version } }'
)
APPROVE = (
    "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id version } }"
)
TAKEDOWN = 'mutation($id: ID!, $v: Int!) { takedownStory(id: $id, expectedVersion: $v, reason: "核实有误") { id } }'
CREATE_SUB = """mutation($name: String!, $sel: FeedSelectionInput, $formats: [String!], $alg: String!) {
  createFeedSubscription(name: $name, selection: $sel, formats: $formats, signatureAlgorithm: $alg) {
    id version clientId formats signatureAlgorithm feedPaths selection { tenants channels tags } } }"""


@dataclass
class Partner:
    tenant: str
    admin: dict[str, str]  # headers
    client_id: str
    client_secret: str
    headers: dict[str, str]  # the client's bearer token


async def gql(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    r = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def client_token(http: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, str]:
    tok = await token_request(http, {"grant_type": "client_credentials"}, auth=(client_id, secret))
    assert tok.status_code == 200, tok.text
    return {"authorization": f"Bearer {tok.json()['access_token']}"}


async def make_partner(
    http: httpx.AsyncClient, tenant: str | None = None, prefix: str = "fd"
) -> Partner:
    tenant = tenant or await make_tenant(prefix)
    admin = {
        "authorization": f"Bearer {(await sign_in(http, await make_user(tenant, 'admin')))['access_token']}"
    }
    body = await gql(
        http,
        admin,
        'mutation { createClient(name: "合作平台", scopes: ["stories:read"]) { clientId clientSecret } }',
    )
    creds = body["data"]["createClient"]
    headers = await client_token(http, creds["clientId"], creds["clientSecret"])
    return Partner(tenant, admin, creds["clientId"], creds["clientSecret"], headers)


async def subscribe(
    http: httpx.AsyncClient,
    partner: Partner,
    selection: dict[str, Any] | None = None,
    formats: list[str] | None = None,
    alg: str = "ed25519",
) -> dict[str, Any]:
    body = await gql(
        http,
        partner.headers,
        CREATE_SUB,
        {"name": "合作方订阅", "sel": selection, "formats": formats, "alg": alg},
    )
    assert "errors" not in body, body
    return body["data"]["createFeedSubscription"]  # type: ignore[no-any-return]


async def publish(
    http: httpx.AsyncClient, partner: Partner, title: str, tags: list[str] | None = None
) -> str:
    body = await gql(http, partner.admin, CREATE_STORY, {"t": title, "tags": tags or []})
    story = body["data"]["createStory"]
    approved = await gql(http, partner.admin, APPROVE, {"id": story["id"], "v": story["version"]})
    assert "errors" not in approved, approved
    return str(story["id"])


# -- a second, independent RFC 9421 verifier (hand-written from the RFC text) -----------------


def verify_ed25519(
    response: httpx.Response, jwks: dict[str, Any], *, label: str = "sig1"
) -> dict[str, Any]:
    """Check Content-Digest and the signature `label` of a feed response; return its params."""
    body = response.content
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    assert response.headers["content-digest"] == digest, "content digest mismatch"
    inputs = http_sfv.Dictionary()
    inputs.parse(response.headers["signature-input"].encode())
    sigs = http_sfv.Dictionary()
    sigs.parse(response.headers["signature"].encode())
    params = inputs[label]
    lines = []
    for comp in params:
        name = comp.value
        req = "req" in comp.params
        if name == "@status":
            value = str(response.status_code)
        elif name == "@method":
            value = response.request.method
        elif name == "@target-uri":
            value = str(response.request.url)
        else:
            value = response.headers[name].strip()
        lines.append(f'"{name}"{";req" if req else ""}: {value}')
    lines.append(f'"@signature-params": {params}')
    base = "\n".join(lines).encode()
    kid = params.params["keyid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    raw = base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4))
    Ed25519PublicKey.from_public_bytes(raw).verify(
        sigs[label].value, base
    )  # raises InvalidSignature
    return dict(params.params)
