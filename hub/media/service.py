"""The media service: the blob store chosen by settings plus what the REST endpoints and
GraphQL resolvers do with it (take in uploads, describe assets, make renditions, sign
URLs, delete). One per settings object (`media_service`)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any

from pymongo.errors import DuplicateKeyError

from hub.domain.names import check_path
from hub.domain.plaintext import check_plain_text
from hub.errors import HubError
from hub.ids import new_id
from hub.media import gc
from hub.media.assets import AssetStore
from hub.media.blobs import BlobNotFound, BlobStore, materialized, read_all
from hub.media.decoding import gate_for, limit_pillow
from hub.media.errors import MediaCodes
from hub.media.fs import FilesystemBlobStore
from hub.media.ingest import Ingest
from hub.media.probe import probe
from hub.media.renditions import parse_spec, render
from hub.media.sniff import MediaType, sniff
from hub.settings import Settings
from hub.store import idempotency
from hub.store.documents import AssetDoc
from hub.store.scope import Scope

META_FIELDS = ("title", "alt", "credit", "copyright", "caption")


def original_key(tenant: str, asset_id: str) -> str:
    return f"t/{tenant}/a/{asset_id}/original"


def rendition_key(
    tenant: str, asset_id: str, canonical: str, focal: tuple[float, float], ext: str
) -> str:
    fx, fy = (round(v * 1000) for v in focal)
    return f"t/{tenant}/a/{asset_id}/r/{canonical}-fp{fx}x{fy}.{ext}"


def url_secret(settings: Settings) -> bytes:
    """The key that signs media URLs: from settings, else one kept in the data folder
    (created once, readable only by the hub's user) so restarts keep links valid."""
    if settings.media_url_key:
        return settings.media_url_key.encode()
    path = settings.data_dir / "media-url.key"
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_hex(32).encode())
    return path.read_bytes()


def blob_store_for(settings: Settings) -> BlobStore:
    """S3/MinIO when RONGHUB_S3_ENDPOINT is set, else files under the data folder."""
    if settings.s3_endpoint:
        from hub.media.s3 import S3BlobStore  # boto3 only where S3 is configured

        return S3BlobStore(
            settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_region,
            settings.s3_access_key,
            settings.s3_secret_key,
        )
    return FilesystemBlobStore(
        settings.blob_dir, url_secret(settings), settings.media_url_bucket_seconds
    )


class MediaService:
    def __init__(self, settings: Settings, store: BlobStore | None = None) -> None:
        self.settings = settings
        self.store = store or blob_store_for(settings)
        self.secret = url_secret(settings) if self.store.backend == "filesystem" else b""
        # every decode of this process waits for a place (hub/media/decoding.py)
        self.gate = gate_for(settings.media_max_concurrent_decodes)
        limit_pillow(settings.media_max_image_pixels)

    # ---- taking in files -----------------------------------------------------------
    async def upload(
        self,
        scope: Scope,
        chunks: AsyncIterable[bytes],
        filename: str | None,
        meta: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> AssetDoc:
        """Store one streamed file as a new asset (sniffed, size-limited, hashed, probed).

        With `idempotency_key` (hub/store/idempotency.py) the key is claimed once the bytes
        are in, with their checksum in the input it stands for: the same file and metadata
        sent again return the asset already made (the second copy of the bytes is removed),
        another file under the same key is IDEMPOTENCY_KEY_REUSED."""
        check_path("filename", filename)
        check_meta(meta)
        assets = AssetStore(scope)
        assets._writer()
        if idempotency_key is not None:
            idempotency.check_key(idempotency_key)
        # a process that dies mid-write leaves an unfinished write: the cleanup's sweep
        # (scheduled first, so it exists whatever happens next) frees it
        await gc.schedule_for_upload(self.settings, scope.tenant)
        asset_id = new_id()
        key = original_key(scope.tenant, asset_id)
        ingest = Ingest(chunks, self.settings.media_max_upload_bytes, filename)
        await self.store.put(key, ingest)
        assert ingest.media_type is not None
        if idempotency_key is None:
            return await self.finish(
                scope, asset_id, key, ingest.media_type, ingest.size, ingest.sha256, filename, meta
            )
        values = {"filename": filename, "meta": meta, "size": ingest.size, "sha256": ingest.sha256}
        try:
            found = await idempotency.claim(
                scope, "uploadAsset", idempotency_key, idempotency.fingerprint(values), asset_id
            )
            existing = None if found.first else await assets.get(found.target_id)
        except BaseException:
            await self.store.delete(key)
            raise
        if existing is not None:  # sent before: these bytes are a second copy
            await self.store.delete(key)
            return existing
        try:  # the first (or the first died before recording its asset: these bytes do)
            return await self.finish(
                scope,
                found.target_id,
                key,
                ingest.media_type,
                ingest.size,
                ingest.sha256,
                filename,
                meta,
            )
        except HubError:  # unreadable: the bytes are gone (`finish`), the key is given back
            if await assets.get(found.target_id) is None:
                await idempotency.release(scope, found)
            raise
        except DuplicateKeyError:  # a simultaneous request recorded it first
            await self.store.delete(key)
            existing = await assets.get(found.target_id)
            if existing is None:
                raise
            return existing

    async def finish(
        self,
        scope: Scope,
        asset_id: str,
        key: str,
        media_type: MediaType,
        size: int,
        checksum: str,
        filename: str | None,
        meta: dict[str, Any],
    ) -> AssetDoc:
        """Probe a stored original and record its asset; a file that cannot be read is removed."""
        try:
            async with materialized(self.store, key, "." + media_type.extension) as path:
                found = await self.gate.run(
                    probe,
                    path,
                    media_type.kind,
                    self.settings.media_max_image_pixels,
                    self.settings.media_max_image_frames,
                )
        except BaseException:
            await self.store.delete(key)
            raise
        doc = AssetDoc(
            id=asset_id,
            tenant=scope.tenant,
            kind=media_type.kind,
            mime=media_type.mime,
            uri=f"asset:{asset_id}",
            filename=_clean_name(filename),
            size=size,
            checksum=checksum,
            width=found.width,
            height=found.height,
            duration_ms=found.duration_ms,
            codec=found.codec,
            blob_key=key,
            created_by=scope.actor,
            **{
                k: (str(v).strip() or None)
                for k, v in meta.items()
                if k in META_FIELDS and v is not None
            },
        )
        return await AssetStore(scope).add(doc)

    # ---- renditions and links ------------------------------------------------------
    async def rendition(self, scope: Scope, asset: AssetDoc, spec_text: str) -> tuple[str, str]:
        """The blob key and MIME type of a rendition, made now if it is not cached yet."""
        spec = parse_spec(spec_text)
        if asset.kind != "image" or asset.blob_key is None:
            raise HubError(MediaCodes.RENDITION_UNSUPPORTED, media_kind=asset.kind)
        focal = (asset.focal_x, asset.focal_y)
        key = rendition_key(scope.tenant, asset.id, spec.canonical(), focal, spec.extension)
        if await self.store.exists(key):
            return key, spec.mime
        original = await read_all(self.store, asset.blob_key, self.settings.media_max_upload_bytes)
        data = await self.gate.run(
            render,
            original,
            spec,
            focal,
            self.settings.media_max_image_pixels,
            self.settings.media_max_image_frames,
        )
        await self.store.put(key, _once(data), spec.mime)
        await AssetStore(scope).add_rendition(asset.id, key)
        return key, spec.mime

    async def url(self, key: str, mime: str | None = None, ttl_seconds: int | None = None) -> str:
        """An absolute URL that serves the blob without a token until it expires."""
        ttl = ttl_seconds or self.settings.media_url_ttl_seconds
        signed = await self.store.signed_url(key, ttl, mime)
        return signed if "://" in signed else self.settings.base_url + signed

    async def original_url(self, asset: AssetDoc, ttl_seconds: int | None = None) -> str | None:
        if asset.blob_key is None:
            return None
        return await self.url(asset.blob_key, asset.mime, ttl_seconds)

    async def head_type(self, key: str) -> MediaType | None:
        """The format of a stored blob, from its first bytes (what downloads are served as)."""
        head = b""
        async for chunk in self.store.get(key, 0, min(64, await self.store.size(key))):
            head += chunk
        return sniff(head)

    async def delete_asset(self, scope: Scope, asset_id: str) -> AssetDoc:
        """Delete an unused asset and its blobs (original and cached renditions)."""
        doc = await AssetStore(scope).delete(asset_id)
        for key in [doc.blob_key, *doc.renditions]:
            if key:
                with contextlib.suppress(BlobNotFound):
                    await self.store.delete(key)
        return doc


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def check_meta(meta: dict[str, Any]) -> None:
    """The descriptive fields given with an upload (alt, caption …) are plain text."""
    for k, v in meta.items():
        if k in META_FIELDS and v is not None:
            check_plain_text(k, str(v))


def _clean_name(filename: str | None) -> str | None:
    if not filename:
        return None
    return Path(filename.replace("\\", "/")).name[:255] or None


_SERVICES: dict[int, tuple[Settings, MediaService]] = {}


def media_service(settings: Settings) -> MediaService:
    """The media service for these settings (one per settings object, made on first use)."""
    found = _SERVICES.get(id(settings))
    if found is None or found[0] is not settings:
        found = (settings, MediaService(settings))
        _SERVICES[id(settings)] = found
    return found[1]
