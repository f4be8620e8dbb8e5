"""Stored documents of the media subsystem (assets themselves are `AssetDoc` in
hub/store/documents.py, which the content graph also reads)."""

from __future__ import annotations

from typing import Any, ClassVar

from beanie import Document
from pydantic import BaseModel, Field
from pymongo import IndexModel

from hub.ids import now_ms
from hub.store.documents import TenantDocument


class UploadPart(BaseModel):
    offset: int
    size: int
    key: str

    def encode(self) -> str:
        return f"{self.offset}:{self.size}:{self.key}"

    @staticmethod
    def decode(text: str) -> UploadPart:
        offset, size, key = text.split(":", 2)
        return UploadPart(offset=int(offset), size=int(size), key=key)


class UploadDoc(TenantDocument):
    """A resumable upload (分片上传) in progress: parts arrive in order, each a blob.

    `received` is the byte count stored so far: a client that lost its connection asks
    for it and continues from there. Each part is recorded by a compare-and-set on
    `received`, so a repeated or racing part never counts twice. An upload untouched
    for RONGHUB_MEDIA_UPLOAD_ABANDON_SECONDS is expired by the media cleanup (gc.py).
    """

    filename: str | None = None
    size: int
    received: int = 0
    # "offset:size:key" text: the embedded store keeps a `$push`ed sub-document as a
    # JSON string, so parts are pushed as plain strings (UploadPart.encode/decode)
    parts: list[str] = Field(default_factory=list)
    status: str = "open"  # open | completing | completed | aborted | expired
    # "parts": PUT to the hub in parts; "direct": one PUT to a presigned S3 URL (staging_key)
    mode: str = "parts"
    staging_key: str | None = None
    asset_id: str | None = None
    mime: str | None = None
    meta: dict[str, str] = Field(default_factory=dict)  # title, alt, credit... for the asset
    created_by: str | None = None
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(
        default_factory=now_ms
    )  # last touched: created, a part starting or stored, completing
    expired_at: int | None = None

    def part_list(self) -> list[UploadPart]:
        return sorted((UploadPart.decode(p) for p in self.parts), key=lambda p: p.offset)

    class Settings:
        name = "media_uploads"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("status", 1), ("updated_at", 1)])
        ]


MEDIA_MODELS: list[type[Document]] = [UploadDoc]
