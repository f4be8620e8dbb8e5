"""Resumable uploads (分片上传) for large video: create → PUT parts in order → complete.

Each part is streamed into its own blob and then recorded by a compare-and-set on the
upload's `received` count, so a part that broke off midway leaves no trace and a
client that reconnects asks `GET /media/uploads/{id}` where to resume. `complete`
streams the parts in order into the asset's original (sniffing and hashing on the
way), then drops them. Completing twice returns the same asset. An upload left
untouched for RONGHUB_MEDIA_UPLOAD_ABANDON_SECONDS is expired by the media cleanup
(gc.py): its parts are removed and every later request about it gets UPLOAD_EXPIRED.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from pymongo import ReturnDocument

from hub.domain.names import check_path
from hub.errors import Codes, HubError, invalid
from hub.ids import new_id, now_ms
from hub.media import gc
from hub.media.assets import AssetStore
from hub.media.blobs import BlobNotFound
from hub.media.cleanup import COMPLETING_LEASE_MS, idle_text, upload_prefix
from hub.media.documents import UploadDoc, UploadPart
from hub.media.errors import MediaCodes
from hub.media.ingest import Ingest
from hub.media.service import META_FIELDS, MediaService, check_meta, original_key
from hub.media.sniff import SNIFF_BYTES, identify
from hub.store.documents import AssetDoc
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted


def _not_found(upload_id: str) -> HubError:
    return HubError(Codes.NOT_FOUND, what_zh="上传任务", what_en="upload", id=upload_id)


def expired(upload_id: str, abandon_seconds: int) -> HubError:
    idle_zh, idle_en = idle_text(abandon_seconds)
    return HubError(MediaCodes.UPLOAD_EXPIRED, id=upload_id, idle_zh=idle_zh, idle_en=idle_en)


class ResumableUploads:
    def __init__(self, media: MediaService, scope: Scope) -> None:
        self.media = media
        self.scope = scope
        AssetStore(scope)._writer()

    @property
    def _coll(self) -> Tenanted:
        return Tenanted(UploadDoc, self.scope.tenant)

    async def create(self, size: int, filename: str | None, meta: dict[str, Any]) -> UploadDoc:
        """Start an upload of `size` bytes (refused at once when over the limit)."""
        check_path("filename", filename)
        check_meta(meta)
        limit = self.media.settings.media_max_resumable_bytes
        if size <= 0:
            raise invalid("size", "文件大小必须大于 0", "size must be positive")
        if size > limit:
            raise HubError(MediaCodes.MEDIA_TOO_LARGE, limit=limit)
        # the cleanup is scheduled before anything is stored, so nothing can outlive it
        await gc.schedule_for_upload(self.media.settings, self.scope.tenant)
        doc = UploadDoc(
            id=new_id(),
            tenant=self.scope.tenant,
            filename=filename,
            size=size,
            meta={k: str(v) for k, v in meta.items() if k in META_FIELDS and v},
            created_by=self.scope.actor,
        )
        await doc.insert()
        return doc

    async def create_direct(
        self, size: int, filename: str | None, meta: dict[str, Any]
    ) -> tuple[UploadDoc, str]:
        """Start an upload that the client PUTs straight to S3 through a presigned URL;
        `complete` then checks (sniffs, hashes, probes) it like any other upload."""
        from hub.media.s3 import S3BlobStore  # boto3 only where S3 is configured

        store = self.media.store
        if not isinstance(store, S3BlobStore):
            raise HubError(MediaCodes.DIRECT_UPLOAD_UNAVAILABLE)
        doc = await self.create(size, filename, meta)
        staging = upload_prefix(self.scope.tenant, doc.id) + "direct"
        await self._coll.update_one(
            {"_id": doc.id}, {"$set": {"mode": "direct", "staging_key": staging}}
        )
        doc.mode, doc.staging_key = "direct", staging
        return doc, await store.signed_put_url(
            staging, self.media.settings.media_url_ttl_seconds, size
        )

    async def _arrived(self, doc: UploadDoc) -> UploadDoc:
        """A direct upload's progress is whatever S3 holds."""
        if doc.mode != "direct" or doc.staging_key is None or doc.status != "open":
            return doc
        with contextlib.suppress(BlobNotFound):
            received = await self.media.store.size(doc.staging_key)
            if received != doc.received:  # bytes arrived: the upload is alive
                doc.received, doc.updated_at = received, now_ms()
                await self._coll.update_one(
                    {"_id": doc.id, "tenant": doc.tenant, "status": "open"},
                    {"$set": {"received": doc.received, "updated_at": doc.updated_at}},
                )
        return doc

    async def _find(self, upload_id: str) -> UploadDoc:
        doc = await UploadDoc.find_one({"tenant": self.scope.tenant, "_id": upload_id})
        if doc is None or doc.status == "aborted":
            raise _not_found(upload_id)
        return doc

    async def get(self, upload_id: str) -> UploadDoc:
        """The upload (NOT_FOUND when unknown or aborted, UPLOAD_EXPIRED when the cleanup
        expired it: the client must start again)."""
        doc = await self._find(upload_id)
        if doc.status == "expired":
            raise expired(upload_id, self.media.settings.media_upload_abandon_seconds)
        return await self._arrived(doc)

    async def put_part(
        self, upload_id: str, offset: int, chunks: AsyncIterable[bytes]
    ) -> UploadDoc:
        """Store the part that starts at `offset` (which must be the bytes received so far)."""
        doc = await self.get(upload_id)
        if doc.mode == "direct":
            raise invalid(
                "offset",
                "此上传为直传对象存储,请使用返回的上传链接",
                "this upload goes straight to S3: use its upload URL",
            )
        if doc.status != "open" or offset != doc.received:
            raise HubError(MediaCodes.UPLOAD_OFFSET_MISMATCH, received=doc.received, offset=offset)
        # a part on its way touches the upload, so the cleanup leaves it alone meanwhile
        touched = await self._coll.update_one(
            {"_id": upload_id, "tenant": self.scope.tenant, "status": "open", "received": offset},
            {"$set": {"updated_at": now_ms()}},
        )
        if touched.matched_count == 0:
            now = await self.get(upload_id)  # expired, or another part arrived first
            raise HubError(MediaCodes.UPLOAD_OFFSET_MISMATCH, received=now.received, offset=offset)
        limit = min(self.media.settings.media_max_part_bytes, doc.size - offset)
        source = _checked_head(chunks, doc.filename, doc.size) if offset == 0 else chunks
        ingest = Ingest(source, limit, sniff=False)
        key = f"{upload_prefix(self.scope.tenant, upload_id)}{offset:013d}-{secrets.token_hex(4)}"
        try:
            await self.media.store.put(key, ingest)
        except Exception:
            if (await self._find(upload_id)).status == "expired":  # the cleanup took it meanwhile
                raise expired(upload_id, self.media.settings.media_upload_abandon_seconds) from None
            raise
        if ingest.size == 0:
            await self.media.store.delete(key)
            return doc
        raw = await self._coll.find_one_and_update(
            {"_id": upload_id, "tenant": self.scope.tenant, "status": "open", "received": offset},
            {
                "$set": {"received": offset + ingest.size, "updated_at": now_ms()},
                "$push": {"parts": UploadPart(offset=offset, size=ingest.size, key=key).encode()},
            },
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:  # another request stored this part first
            await self.media.store.delete(key)
            now = await self.get(upload_id)
            raise HubError(MediaCodes.UPLOAD_OFFSET_MISMATCH, received=now.received, offset=offset)
        return UploadDoc.model_validate(raw)

    async def complete(self, upload_id: str) -> AssetDoc:
        """Join the parts into the asset's original and record the asset."""
        doc = await self.get(upload_id)
        if doc.status == "completed" and doc.asset_id:
            return await AssetStore(self.scope).require(doc.asset_id)
        if doc.received != doc.size:
            raise HubError(MediaCodes.UPLOAD_INCOMPLETE, received=doc.received, size=doc.size)
        asset_id = doc.asset_id or new_id()
        now = now_ms()
        claimed = await self._coll.find_one_and_update(
            {
                "_id": upload_id,
                "tenant": self.scope.tenant,
                "received": doc.size,
                "$or": [
                    {"status": "open"},
                    {"status": "completing", "updated_at": {"$lt": now - COMPLETING_LEASE_MS}},
                ],
            },
            {"$set": {"status": "completing", "asset_id": asset_id, "updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            raise HubError(MediaCodes.UPLOAD_INCOMPLETE, received=doc.received, size=doc.size)
        doc = UploadDoc.model_validate(claimed)
        key = original_key(self.scope.tenant, asset_id)
        ingest = Ingest(
            self._joined(doc), self.media.settings.media_max_resumable_bytes, doc.filename
        )
        try:
            await self.media.store.put(key, ingest)
            assert ingest.media_type is not None
            asset = await self.media.finish(
                self.scope,
                asset_id,
                key,
                ingest.media_type,
                ingest.size,
                ingest.sha256,
                doc.filename,
                doc.meta,
            )
        except BaseException:
            # back to open for a retry, unless the cleanup has taken it meanwhile
            await self._coll.update_one(
                {"_id": upload_id, "tenant": self.scope.tenant, "status": "completing"},
                {"$set": {"status": "open"}},
            )
            raise
        await self._coll.update_one(
            {"_id": upload_id, "tenant": self.scope.tenant, "status": "completing"},
            {"$set": {"status": "completed", "updated_at": now_ms(), "parts": []}},
        )
        await self._drop_parts(doc)
        return asset

    async def abort(self, upload_id: str) -> None:
        """Give up an upload and free its parts (an expired one has none left)."""
        doc = await self._find(upload_id)
        if doc.status == "expired":
            return
        if doc.status == "completed":
            raise invalid("id", "上传已完成,不能取消", "the upload is already complete")
        await self._coll.update_one(
            {"_id": upload_id, "tenant": self.scope.tenant},
            {"$set": {"status": "aborted", "parts": []}},
        )
        await self._drop_parts(doc)

    async def _joined(self, doc: UploadDoc) -> AsyncIterator[bytes]:
        if doc.mode == "direct" and doc.staging_key is not None:
            async for chunk in self.media.store.get(doc.staging_key):
                yield chunk
            return
        for part in doc.part_list():
            async for chunk in self.media.store.get(part.key):
                yield chunk

    async def _drop_parts(self, doc: UploadDoc) -> None:
        if doc.staging_key:
            with contextlib.suppress(Exception):
                await self.media.store.delete(doc.staging_key)
        for part in doc.part_list():
            with contextlib.suppress(Exception):
                await self.media.store.delete(part.key)


async def _checked_head(
    chunks: AsyncIterable[bytes], filename: str | None, size: int
) -> AsyncIterator[bytes]:
    """The first part's bytes, refused as soon as its head shows a refused type
    (so a lying 2 GB file is stopped at its first bytes, not at `complete`). A first
    part too short to tell is let through: `complete` sniffs the joined file anyway."""
    head = b""
    checked = False
    async for chunk in chunks:
        if not checked:
            head += chunk
            if len(head) < SNIFF_BYTES:
                continue
            identify(head[:SNIFF_BYTES], filename)
            checked = True
            chunk, head = head, b""
        yield chunk
    if not checked:
        if len(head) >= min(SNIFF_BYTES, size):
            identify(head, filename)
        if head:
            yield head
