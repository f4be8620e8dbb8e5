"""RFC 9421 HTTP Message Signatures on feed responses: one profile, no options.

    Content-Digest: sha-256=:<base64 SHA-256 of the body>:                       (RFC 9530)
    Signature-Input: sig1=("@status" "content-type" "content-digest" "@method";req
                     "@target-uri";req);created=<unix>;expires=<created+300>;
                     keyid="<kid>";alg="ed25519";tag="ronghub-feed"
    Signature: sig1=:<base64 signature over the RFC 9421 §2.5 signature base>:

During a key rotation each key signs under its own label (sig1 = newest, sig2 …).
The structured fields are this profile's one shape, serialized by hand as RFC 8941 says
(`http_sfv` built and serialized them in about 0.05 ms a response, a third of its
signing; tests/feeds/test_signatures.py checks both give the same text). Pure: the keys
come in as `Signer`s, the clock as `created`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import http_sfv

COMPONENTS: tuple[tuple[str, bool], ...] = (
    ("@status", False),
    ("content-type", False),
    ("content-digest", False),
    ("@method", True),
    ("@target-uri", True),
)
TAG = "ronghub-feed"
LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class Signer:
    keyid: str
    alg: str  # "ed25519" | "sm2-sm3"
    sign: Callable[[bytes], bytes]


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def signature_params(
    created: int, keyid: str, alg: str, expires: int | None = None
) -> http_sfv.InnerList:
    inner = http_sfv.InnerList()
    for name, req in COMPONENTS:
        item = http_sfv.Item(name)
        if req:
            item.params["req"] = True
        inner.append(item)
    inner.params["created"] = created
    inner.params["expires"] = created + LIFETIME_SECONDS if expires is None else expires
    inner.params["keyid"] = keyid
    inner.params["alg"] = alg
    inner.params["tag"] = TAG
    return inner


def _sf_string(value: str) -> str:
    """RFC 8941 §4.1.6: a String (printable ASCII; `"` and `\\` escaped)."""
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"not an RFC 8941 string: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_COMPONENT_LIST = (
    "(" + " ".join(f'"{name}"' + (";req" if req else "") for name, req in COMPONENTS) + ")"
)


def signature_params_text(created: int, keyid: str, alg: str, expires: int | None = None) -> str:
    """`signature_params` serialized (what `str()` of it gives), without building the
    structured field: this profile's one shape, written out on every feed response."""
    ends = created + LIFETIME_SECONDS if expires is None else expires
    return (
        f"{_COMPONENT_LIST};created={int(created)};expires={int(ends)}"
        f";keyid={_sf_string(keyid)};alg={_sf_string(alg)};tag={_sf_string(TAG)}"
    )


def signature_base(
    *,
    status: int,
    content_type: str,
    digest: str,
    method: str,
    target_uri: str,
    params: http_sfv.InnerList | str,
) -> bytes:
    """The RFC 9421 §2.5 signature base of this profile."""
    values = [str(status), content_type.strip(), digest.strip(), method.upper(), target_uri]
    lines = []
    for (name, req), value in zip(COMPONENTS, values, strict=True):
        lines.append(f'"{name}"{";req" if req else ""}: {value}')
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def sign_response(
    *,
    status: int,
    content_type: str,
    body: bytes,
    method: str,
    target_uri: str,
    signers: Sequence[Signer],
    created: int,
    digest: str | None = None,
) -> dict[str, str]:
    """The Content-Digest, Signature-Input and Signature headers of a response
    (`digest`: the body's Content-Digest, when the caller kept it with the body)."""
    digest = digest or content_digest(body)
    inputs: list[str] = []
    signatures: list[str] = []
    for n, signer in enumerate(signers, start=1):
        label = f"sig{n}"
        params = signature_params_text(created, signer.keyid, signer.alg)
        base = signature_base(
            status=status,
            content_type=content_type,
            digest=digest,
            method=method,
            target_uri=target_uri,
            params=params,
        )
        # RFC 8941 Dictionary members: label=inner list; label=:byte sequence:
        inputs.append(f"{label}={params}")
        signatures.append(f"{label}=:{base64.b64encode(signer.sign(base)).decode()}:")
    return {
        "Content-Digest": digest,
        "Signature-Input": ", ".join(inputs),
        "Signature": ", ".join(signatures),
    }
