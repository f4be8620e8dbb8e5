"""Persisted GraphQL documents: trusted documents registered per client, and Apollo's
automatic persisted queries (APQ).

Trusted documents are the manifest a build writes (GraphQL Code Generator's
client-preset with `persistedDocuments: true` writes `persisted-documents.json`,
`{"<sha256 hex>": "<document text>"}`). A center administrator registers it for one of
the center's clients (`registerPersistedDocuments`); the client then sends
`{"documentId": "<hash>"}` (or `sha256:<hash>`) instead of the text, by POST or GET. With
`RONGHUB_GRAPHQL_TRUSTED_DOCUMENTS` set to `anonymous` or `all`, those callers may run
only registered documents (a production safelist).

APQ follows Apollo's protocol: `extensions.persistedQuery = {version: 1, sha256Hash}`.
An unknown hash is answered with the error PERSISTED_QUERY_NOT_FOUND (Apollo's clients
then resend with the text); text and hash together register the text in a bounded
per-process LRU after the hash is checked. APQ texts are not trusted: with a safelist
on, only registered documents run.

Documents are addressed by their content hash, so a text once found never changes:
each process keeps what it looked up.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from typing import Any, ClassVar, Literal

from pydantic import Field
from pymongo import IndexModel

from hub.errors import ErrorKind, HubError, invalid
from hub.ids import now_ms
from hub.store.documents import TenantDocument
from hub.store.tenanted import Tenanted


class PersistedCodes:
    PERSISTED_QUERY_NOT_FOUND = ErrorKind(
        "PERSISTED_QUERY_NOT_FOUND",
        "服务器没有这条持久化查询(PersistedQueryNotFound),请连同查询文本一起重发。",
        "PersistedQueryNotFound: send the query text together with its hash.",
    )
    PERSISTED_QUERY_HASH_MISMATCH = ErrorKind(
        "PERSISTED_QUERY_HASH_MISMATCH",
        "持久化查询的 sha256Hash 与查询文本不符,请重新计算哈希。",
        "The persisted query's sha256Hash does not match the query text.",
    )
    PERSISTED_DOCUMENT_NOT_FOUND = ErrorKind(
        "PERSISTED_DOCUMENT_NOT_FOUND",
        "没有登记编号为 {document_id} 的查询文档,请先为客户端登记 persisted-documents 清单。",
        "No registered document has the id {document_id}; register the client's persisted-documents manifest first.",
    )
    PERSISTED_DOCUMENT_REQUIRED = ErrorKind(
        "PERSISTED_DOCUMENT_REQUIRED",
        "本服务只执行已登记的查询文档,请发送 documentId(由构建生成的 persisted-documents 清单)。",
        "This hub runs registered documents only: send a documentId from your build's persisted-documents manifest.",
    )


TrustedMode = Literal["off", "anonymous", "all"]

_HASH = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def document_hash(document_id: str) -> str | None:
    """The sha256 hex a `documentId` names (`<hex>` or `sha256:<hex>`), or None."""
    raw = document_id.removeprefix("sha256:").lower()
    return raw if _HASH.match(raw) else None


def parse_manifest(manifest: Any) -> dict[str, str]:
    """A client-preset manifest ({hash: text}) checked: every key is the text's sha256."""
    if not isinstance(manifest, dict) or not manifest:
        raise invalid(
            "manifest",
            "清单应为非空 JSON 对象 {哈希: 查询文本}",
            "the manifest must be a non-empty object {hash: text}",
        )
    out: dict[str, str] = {}
    for key, text in manifest.items():
        digest = document_hash(str(key))
        if digest is None or not isinstance(text, str) or sha256_hex(text) != digest:
            raise invalid(
                "manifest",
                f"清单条目 {str(key)[:80]} 的哈希与文本不符",
                f"entry {str(key)[:80]}: the hash does not match the text",
            )
        out[digest] = text
    return out


class PersistedDocumentDoc(TenantDocument):
    """A trusted document of one client: `_id` is `{tenant}:{sha256}`."""

    sha256: str
    text: str
    client_id: str
    registered_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "persisted_documents"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("client_id", 1)])]

    @staticmethod
    def make_id(tenant: str, digest: str) -> str:
        return f"{tenant}:{digest}"


class PersistedDocuments:
    """Resolves a request's document text: trusted documents (stored) and APQ (in memory)."""

    def __init__(self, mode: TrustedMode, apq_entries: int) -> None:
        self.mode = mode
        self.apq_entries = apq_entries
        self._apq: OrderedDict[str, str] = OrderedDict()
        self._trusted: dict[tuple[str, str], str] = {}  # (tenant, hash) -> text, found so far

    def safelisted(self, anonymous: bool) -> bool:
        return self.mode == "all" or (self.mode == "anonymous" and anonymous)

    async def trusted(self, tenant: str, digest: str) -> str | None:
        text = self._trusted.get((tenant, digest))
        if text is None:
            doc = await PersistedDocumentDoc.find_one(
                {"_id": PersistedDocumentDoc.make_id(tenant, digest), "tenant": tenant}
            )
            if doc is None:
                return None
            text = self._trusted[(tenant, digest)] = doc.text
        return text

    async def register(self, tenant: str, client_id: str, manifest: dict[str, str]) -> int:
        """Store a checked manifest for `client_id`; returns how many documents are new."""
        coll = Tenanted(PersistedDocumentDoc, tenant)
        added = 0
        for digest, text in manifest.items():
            result = await coll.update_one(
                {"_id": PersistedDocumentDoc.make_id(tenant, digest)},
                {
                    "$setOnInsert": {
                        "tenant": tenant,
                        "sha256": digest,
                        "text": text,
                        "client_id": client_id,
                        "registered_at": now_ms(),
                    }
                },
                upsert=True,
            )
            added += 1 if result.upserted_id is not None else 0
        return added

    async def resolve(
        self, tenant: str, anonymous: bool, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """`payload` with its `query` text filled in from a documentId or an APQ hash;
        raises the protocol's errors. The returned payload always has a `query`."""
        safelist = self.safelisted(anonymous)
        document_id = payload.get("documentId")
        if document_id is not None:
            digest = document_hash(str(document_id))
            text = await self.trusted(tenant, digest) if digest else None
            if text is None:
                raise HubError(
                    PersistedCodes.PERSISTED_DOCUMENT_NOT_FOUND, document_id=str(document_id)[:80]
                )
            return {**payload, "query": text}
        apq = _apq_hash(payload.get("extensions"))
        query = payload.get("query")
        if apq is not None:
            if isinstance(query, str) and query:
                if sha256_hex(query) != apq:
                    raise HubError(PersistedCodes.PERSISTED_QUERY_HASH_MISMATCH)
                trusted = await self.trusted(tenant, apq)
                if trusted is None:
                    if safelist:
                        raise HubError(PersistedCodes.PERSISTED_DOCUMENT_REQUIRED)
                    self._remember(apq, query)
                return payload
            text = await self.trusted(tenant, apq) or self._apq_text(apq, safelist)
            if text is None:
                raise HubError(PersistedCodes.PERSISTED_QUERY_NOT_FOUND)
            return {**payload, "query": text}
        # with a safelist, the text of a registered document is as good as its id (curl)
        if (
            safelist
            and isinstance(query, str)
            and await self.trusted(tenant, sha256_hex(query)) is None
        ):
            raise HubError(PersistedCodes.PERSISTED_DOCUMENT_REQUIRED)
        return payload

    def _apq_text(self, digest: str, safelist: bool) -> str | None:
        if safelist:
            return None
        text = self._apq.get(digest)
        if text is not None:
            self._apq.move_to_end(digest)
        return text

    def _remember(self, digest: str, text: str) -> None:
        if self.apq_entries <= 0:
            return
        self._apq[digest] = text
        self._apq.move_to_end(digest)
        while len(self._apq) > self.apq_entries:
            self._apq.popitem(last=False)


def _apq_hash(extensions: Any) -> str | None:
    if isinstance(extensions, str):  # GET: extensions arrive as JSON text
        try:
            extensions = json.loads(extensions)
        except ValueError:
            return None
    if not isinstance(extensions, dict):
        return None
    pq = extensions.get("persistedQuery")
    if not isinstance(pq, dict):
        return None
    digest = pq.get("sha256Hash")
    if not isinstance(digest, str) or not _HASH.match(digest.lower()):
        raise HubError(PersistedCodes.PERSISTED_QUERY_HASH_MISMATCH)
    return digest.lower()


PERSISTED_MODELS = [PersistedDocumentDoc]
