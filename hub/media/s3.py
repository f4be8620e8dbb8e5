"""The S3 / MinIO blob backend through boto3.

boto3 is synchronous, so every call runs in a worker thread. Uploads larger than one
part go up as an S3 multipart upload (memory stays at one part); a failed upload is
aborted so no half object appears. A process that dies mid-upload cannot abort it: the
multipart upload stays (invisible, but stored and billed) until `discard` aborts what
`scan` lists. Downloads are ranged GETs read chunk by chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from hub.media.blobs import (
    DEFAULT_CHUNK,
    BlobEntry,
    BlobNotFound,
    check_key,
    check_prefix,
    split_range,
)
from hub.media.signing import note_expiry

MIN_PART = 5 * 1024 * 1024  # S3's smallest part (except the last)
DEFAULT_PART = 8 * 1024 * 1024


def _missing(err: ClientError) -> bool:
    code = str(err.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def _no_upload(err: ClientError) -> bool:
    return str(err.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchUpload")


class S3BlobStore:
    """Blobs as objects in one bucket; signed URLs are S3 presigned GETs."""

    backend = "s3"

    def __init__(
        self,
        endpoint: str | None,
        bucket: str,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        part_size: int = DEFAULT_PART,
    ) -> None:
        if part_size < MIN_PART:
            raise ValueError(f"S3 parts must be at least {MIN_PART} bytes")
        self.bucket = bucket
        self.part_size = part_size
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            # path-style addressing works with MinIO and any endpoint without wildcard DNS
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3},
            ),
        )
        self._bucket_ready = False

    async def _call(self, name: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(getattr(self.client, name), **kwargs)

    async def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (idempotent; cheap after the first call)."""
        if self._bucket_ready:
            return
        try:
            await self._call("head_bucket", Bucket=self.bucket)
        except ClientError as err:
            if not _missing(err):
                raise
            with contextlib.suppress(self.client.exceptions.BucketAlreadyOwnedByYou):
                await self._call("create_bucket", Bucket=self.bucket)
        self._bucket_ready = True

    def local_path(self, key: str) -> Path | None:
        return None

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str | None = None
    ) -> int:
        check_key(key)
        await self.ensure_bucket()
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        total = 0
        try:
            async for chunk in chunks:
                buffer += chunk
                total += len(chunk)
                while len(buffer) >= self.part_size:
                    if upload_id is None:
                        started = await self._call(
                            "create_multipart_upload", Bucket=self.bucket, Key=key, **extra
                        )
                        upload_id = started["UploadId"]
                    body = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    number = len(parts) + 1
                    done = await self._call(
                        "upload_part",
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=body,
                    )
                    parts.append({"ETag": done["ETag"], "PartNumber": number})
            if upload_id is None:
                await self._call(
                    "put_object", Bucket=self.bucket, Key=key, Body=bytes(buffer), **extra
                )
                return total
            if buffer or not parts:
                number = len(parts) + 1
                done = await self._call(
                    "upload_part",
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=bytes(buffer),
                )
                parts.append({"ETag": done["ETag"], "PartNumber": number})
            await self._call(
                "complete_multipart_upload",
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
            return total
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(
                        self._call(
                            "abort_multipart_upload",
                            Bucket=self.bucket,
                            Key=key,
                            UploadId=upload_id,
                        )
                    )
            raise

    async def get(
        self, key: str, offset: int = 0, length: int | None = None, chunk_size: int = DEFAULT_CHUNK
    ) -> AsyncIterator[bytes]:
        size = await self.size(key)
        offset, length = split_range(offset, length, size)
        if length == 0:
            return
        got = await self._call(
            "get_object", Bucket=self.bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}"
        )
        body = got["Body"]
        try:
            while True:
                data = await asyncio.to_thread(body.read, chunk_size)
                if not data:
                    break
                yield data
        finally:
            body.close()

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except BlobNotFound:
            return False
        return True

    async def size(self, key: str) -> int:
        check_key(key)
        await self.ensure_bucket()
        try:
            head = await self._call("head_object", Bucket=self.bucket, Key=key)
        except ClientError as err:
            if _missing(err):
                raise BlobNotFound(key) from None
            raise
        return int(head["ContentLength"])

    async def delete(self, key: str) -> None:
        check_key(key)
        await self.ensure_bucket()
        await self._call("delete_object", Bucket=self.bucket, Key=key)

    async def signed_put_url(self, key: str, ttl_seconds: int, size: int) -> str:
        """A presigned PUT for a client to upload straight to the bucket. The length is
        signed too, so S3 refuses a body of any other size."""
        check_key(key)
        await self.ensure_bucket()
        params = {"Bucket": self.bucket, "Key": key, "ContentLength": size}
        return str(
            await asyncio.to_thread(
                self.client.generate_presigned_url,
                "put_object",
                Params=params,
                ExpiresIn=ttl_seconds,
            )
        )

    async def signed_url(
        self, key: str, ttl_seconds: int, content_type: str | None = None, now: float | None = None
    ) -> str:
        # S3 checks the expiry itself (from the signing time); `now` only matters for our own URLs
        check_key(key)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if content_type:
            params["ResponseContentType"] = content_type
        # S3 counts ExpiresIn from X-Amz-Date: the signing time in whole seconds, never
        # before this second, so the URL lives at least until the time noted below
        signed_from = math.floor(time.time())
        url = str(
            await asyncio.to_thread(
                self.client.generate_presigned_url,
                "get_object",
                Params=params,
                ExpiresIn=ttl_seconds,
            )
        )
        note_expiry(signed_from + ttl_seconds)
        return url

    async def scan(self, prefix: str, partial_only: bool = False) -> AsyncIterator[BlobEntry]:
        check_prefix(prefix)
        await self.ensure_bucket()
        if not partial_only:
            token: dict[str, Any] = {}
            while True:
                page = await self._call(
                    "list_objects_v2", Bucket=self.bucket, Prefix=prefix, **token
                )
                for obj in page.get("Contents", []):
                    yield BlobEntry(obj["Key"], int(obj["Size"]), obj["LastModified"].timestamp())
                if not page.get("IsTruncated"):
                    break
                token = {"ContinuationToken": page["NextContinuationToken"]}
        markers: dict[str, Any] = {}
        while True:
            page = await self._call(
                "list_multipart_uploads", Bucket=self.bucket, Prefix=prefix, **markers
            )
            for upload in page.get("Uploads", []):
                size = await self._parts_size(upload["Key"], upload["UploadId"])
                if size is not None:
                    yield BlobEntry(
                        upload["Key"], size, upload["Initiated"].timestamp(), upload["UploadId"]
                    )
            if not page.get("IsTruncated"):
                break
            markers = {
                "KeyMarker": page["NextKeyMarker"],
                "UploadIdMarker": page["NextUploadIdMarker"],
            }

    async def _parts_size(self, key: str, upload_id: str) -> int | None:
        """Bytes stored by an unfinished multipart upload (None: it is gone)."""
        total, marker = 0, 0
        while True:
            try:
                page = await self._call(
                    "list_parts",
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumberMarker=marker,
                )
            except ClientError as err:
                if _no_upload(err):
                    return None
                raise
            total += sum(int(part["Size"]) for part in page.get("Parts", []))
            if not page.get("IsTruncated"):
                return total
            marker = int(page["NextPartNumberMarker"])

    async def discard(self, entry: BlobEntry) -> None:
        check_key(entry.key)
        await self.ensure_bucket()
        if entry.partial is None:
            await self._call("delete_object", Bucket=self.bucket, Key=entry.key)
            return
        # A part still being uploaded may land after the abort (AbortMultipartUpload's
        # documentation): abort until S3 no longer knows the upload.
        for _ in range(3):
            try:
                await self._call(
                    "abort_multipart_upload",
                    Bucket=self.bucket,
                    Key=entry.key,
                    UploadId=entry.partial,
                )
            except ClientError as err:
                if not _no_upload(err):
                    raise
            if await self._parts_size(entry.key, entry.partial) is None:
                return
            await asyncio.sleep(0.5)
        # still there: the next sweep finds it again
