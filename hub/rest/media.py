"""Media over HTTP: uploads (one request, or resumable in parts), assets, renditions, and
downloads through signed URLs.

Uploads need the newsroom token; a signed download URL is its own permission. Bodies
are read chunk by chunk from `request.stream()` and never held whole in memory.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Request, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Stream

from hub.errors import Codes, HubError
from hub.identity.tokens import scope_for_request
from hub.media import signing
from hub.media.assets import AssetStore
from hub.media.blobs import BlobNotFound
from hub.media.documents import UploadDoc
from hub.media.errors import MediaCodes
from hub.media.renditions import PRESETS
from hub.media.service import MediaService, media_service
from hub.media.uploads import ResumableUploads
from hub.rest.http_cache import etag_matches
from hub.rest.openapi_docs import ErrorResponse
from hub.rest.responses import hub_error_handler, internal_error_handler
from hub.store.documents import AssetDoc
from hub.store.scope import Scope

TAGS = ["media"]


@dataclass
class AssetOut:
    """A media asset as the upload endpoints return it."""

    id: str
    kind: str = field(metadata={"description": "image, video, audio or document"})
    mime: str | None
    filename: str | None
    size: int | None
    checksum: str | None = field(metadata={"description": "sha256 of the original, hex"})
    width: int | None
    height: int | None
    duration_ms: int | None
    codec: str | None
    title: str | None
    alt: str | None
    credit: str | None
    copyright: str | None
    caption: str | None
    focal_x: float
    focal_y: float
    used_by: int = field(metadata={"description": "how many stories use the asset"})
    created_at: int = field(metadata={"description": "unix milliseconds"})
    url: str | None = field(metadata={"description": "signed, expiring URL of the original"})


@dataclass
class UploadOut:
    """A resumable upload: resume by sending the part that starts at `received`."""

    id: str
    size: int
    received: int
    status: str = field(
        metadata={
            "description": "open, completing or completed (an expired upload answers UPLOAD_EXPIRED)"
        }
    )
    asset_id: str | None
    filename: str | None


# What the document promises about the text fields (the service checks them itself and
# answers BAD_FILE_NAME or INVALID_INPUT): no control characters.
_NAME = Annotated[str | None, Parameter(schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f]*$"})]
_TEXT = Annotated[
    str | None,
    Parameter(schema_extra={"pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]*$"}),
]


@dataclass
class CreateUploadIn:
    size: Annotated[int, Parameter(ge=1)] = field(
        metadata={"description": "the file's total size in bytes"}
    )
    filename: _NAME = None
    title: _TEXT = None
    alt: _TEXT = None
    credit: _TEXT = None
    copyright: _TEXT = None
    caption: _TEXT = None


@dataclass
class LinkOut:
    url: str = field(metadata={"description": "signed URL; no token needed until it expires"})
    mime: str
    spec: str


def _octet_stream_operation(description: str, required: bool = True) -> type[Operation]:
    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={
                    "application/octet-stream": OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                    )
                },
                required=required,
                description=description,
            )

    return RawBodyOperation


def _error(codes: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorResponse, description=codes, generate_examples=False)


_SIDE = "(?:[1-9][0-9]{0,2}|[1-3][0-9]{3}|40[0-8][0-9]|409[0-6])"  # 1..MAX_SIDE (4096)
_TAIL = "(?:,fmt=(?:jpeg|png|webp))?(?:,q=(?:[1-9][0-9]?|100))?"
SPEC_PATTERN = (
    f"^(?:{'|'.join(PRESETS)}"
    f"|(?:w={_SIDE}(?:,h={_SIDE})?|h={_SIDE})(?:,fit=inside)?{_TAIL}"
    f"|w={_SIDE},h={_SIDE},fit=crop{_TAIL})$"
)

# every door but the signed blob URLs needs the newsroom's token
_TOKEN = {
    401: _error("UNAUTHENTICATED: no token, or not a valid one"),
    403: _error("FORBIDDEN: the token may not write media (e.g. a partner's token)"),
}


async def to_out(media: MediaService, doc: AssetDoc) -> AssetOut:
    return AssetOut(
        id=doc.id,
        kind=doc.kind,
        mime=doc.mime,
        filename=doc.filename,
        size=doc.size,
        checksum=doc.checksum,
        width=doc.width,
        height=doc.height,
        duration_ms=doc.duration_ms,
        codec=doc.codec,
        title=doc.title,
        alt=doc.alt,
        credit=doc.credit,
        copyright=doc.copyright,
        caption=doc.caption,
        focal_x=doc.focal_x,
        focal_y=doc.focal_y,
        used_by=len(doc.refs),
        created_at=doc.created_at,
        url=await media.original_url(doc),
    )


def _upload_out(doc: UploadDoc) -> UploadOut:
    return UploadOut(
        id=doc.id,
        size=doc.size,
        received=doc.received,
        status=doc.status,
        asset_id=doc.asset_id,
        filename=doc.filename,
    )


def _writer(request: Request[Any, Any, Any], state: State) -> Scope:
    scope = scope_for_request(request, state.settings)
    if scope.anonymous:
        raise HubError(Codes.UNAUTHENTICATED)
    return scope


def _announced_over(request: Request[Any, Any, Any], limit: int) -> None:
    """Refuse before reading a byte when Content-Length already says too much."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise HubError(MediaCodes.MEDIA_TOO_LARGE, limit=limit)


def _closing_error(_: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    """Errors of body-reading routes close the connection: otherwise the server would
    keep reading (and discarding) the rest of a refused upload to reuse the connection."""
    response = hub_error_handler(_, exc)
    response.headers["connection"] = "close"
    return response


def _closing_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The same for other failures, e.g. a full disk under the blobs (STORAGE_FULL)."""
    response = internal_error_handler(request, exc)
    response.headers["connection"] = "close"
    return response


CLOSE_ON_ERROR: dict[int | type[Exception], Any] = {
    HubError: _closing_error,
    Exception: _closing_unexpected,
}


def _body(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    return request.stream()


@post(
    "/media/uploads",
    summary="Upload a file (one request)",
    description="The raw file is the request body (any Content-Type). Its type is read from "
    "its first bytes, not its name: JPEG, PNG, WebP, GIF, MP4/MOV, WebM, MP3, M4A, PDF. A "
    "`filename` whose extension names another type is refused (MEDIA_TYPE_MISMATCH). "
    "Needs the newsroom token. An `Idempotency-Key` header (your own id, e.g. a UUID) makes a "
    "retry safe: the same file and metadata sent again with it return the asset already made; "
    "another file under the same key is IDEMPOTENCY_KEY_REUSED (422).",
    tags=TAGS,
    status_code=201,
    request_max_body_size=None,  # limited by RONGHUB_MEDIA_MAX_UPLOAD_BYTES while streaming
    exception_handlers=CLOSE_ON_ERROR,
    operation_class=_octet_stream_operation("the file's bytes"),
    responses={
        **_TOKEN,
        413: _error("MEDIA_TOO_LARGE: stopped as soon as the limit was passed"),
        415: _error("MEDIA_TYPE_UNSUPPORTED or MEDIA_TYPE_MISMATCH"),
        422: _error(
            "MEDIA_UNREADABLE, IMAGE_TOO_LARGE (over RONGHUB_MEDIA_MAX_IMAGE_PIXELS), IMAGE_TOO_MANY_FRAMES, IDEMPOTENCY_KEY_REUSED"
        ),
        503: _error("STORE_UNAVAILABLE: try again in a few seconds (Retry-After)"),
        507: _error("STORAGE_FULL: the server's disk is full; nothing was kept"),
    },
)
async def upload(
    request: Request[Any, Any, Any],
    state: State,
    filename: _NAME = None,
    title: _TEXT = None,
    alt: _TEXT = None,
    credit: _TEXT = None,
    copyright: _TEXT = None,
    caption: _TEXT = None,
) -> AssetOut:
    scope = _writer(request, state)
    media = media_service(state.settings)
    _announced_over(request, state.settings.media_max_upload_bytes)
    meta = {
        "title": title,
        "alt": alt,
        "credit": credit,
        "copyright": copyright,
        "caption": caption,
    }
    doc = await media.upload(
        scope, _body(request), filename, meta, request.headers.get("idempotency-key")
    )
    return await to_out(media, doc)


@post(
    "/media/uploads/resumable",
    summary="Start a resumable upload (large video)",
    description="Declare the size; then PUT the parts in order to /media/uploads/{id}/parts?offset=N "
    "and POST /media/uploads/{id}/complete. After a lost connection, GET the upload and "
    "continue from `received`. An upload untouched for RONGHUB_MEDIA_UPLOAD_ABANDON_SECONDS (default "
    "24 hours) expires: its parts are removed and later requests get UPLOAD_EXPIRED (410).",
    tags=TAGS,
    status_code=201,
    responses={**_TOKEN, 413: _error("MEDIA_TOO_LARGE")},
)
async def create_upload(
    request: Request[Any, Any, Any], state: State, data: JSONBody[CreateUploadIn]
) -> UploadOut:
    scope = _writer(request, state)
    meta = {k: getattr(data, k) for k in ("title", "alt", "credit", "copyright", "caption")}
    doc = await ResumableUploads(media_service(state.settings), scope).create(
        data.size, data.filename, meta
    )
    return _upload_out(doc)


@dataclass
class DirectUploadOut:
    upload: UploadOut
    put_url: str = field(
        metadata={"description": "presigned S3 PUT URL; send exactly `size` bytes"}
    )


@post(
    "/media/uploads/direct",
    summary="Start a direct upload to S3 (presigned PUT)",
    description="S3/MinIO backend only: PUT the file to `put_url` (no hub token needed there), "
    "then POST /media/uploads/{id}/complete; the hub then checks type, size and checksum as for "
    "any upload. On the filesystem backend: DIRECT_UPLOAD_UNAVAILABLE (use the resumable upload).",
    tags=TAGS,
    status_code=201,
    responses={**_TOKEN, 409: _error("DIRECT_UPLOAD_UNAVAILABLE"), 413: _error("MEDIA_TOO_LARGE")},
)
async def create_direct_upload(
    request: Request[Any, Any, Any], state: State, data: JSONBody[CreateUploadIn]
) -> DirectUploadOut:
    scope = _writer(request, state)
    meta = {k: getattr(data, k) for k in ("title", "alt", "credit", "copyright", "caption")}
    doc, url = await ResumableUploads(media_service(state.settings), scope).create_direct(
        data.size, data.filename, meta
    )
    return DirectUploadOut(upload=_upload_out(doc), put_url=url)


@get(
    "/media/uploads/{upload_id:str}",
    summary="A resumable upload's progress",
    tags=TAGS,
    responses={
        **_TOKEN,
        404: _error("NOT_FOUND"),
        410: _error("UPLOAD_EXPIRED: start the upload again"),
    },
)
async def upload_status(
    request: Request[Any, Any, Any], state: State, upload_id: FromPath[str]
) -> UploadOut:
    scope = _writer(request, state)
    return _upload_out(await ResumableUploads(media_service(state.settings), scope).get(upload_id))


@put(
    "/media/uploads/{upload_id:str}/parts",
    summary="Send one part of a resumable upload",
    description="The body is the part's bytes; `offset` must equal the bytes received so far "
    "(else UPLOAD_OFFSET_MISMATCH with `received` in the details). A part that breaks off "
    "is discarded whole.",
    tags=TAGS,
    request_max_body_size=None,  # limited by RONGHUB_MEDIA_MAX_PART_BYTES while streaming
    exception_handlers=CLOSE_ON_ERROR,
    operation_class=_octet_stream_operation(
        "the part's bytes (an empty part changes nothing)", required=False
    ),
    responses={
        **_TOKEN,
        404: _error("NOT_FOUND"),
        409: _error("UPLOAD_OFFSET_MISMATCH"),
        410: _error("UPLOAD_EXPIRED: start the upload again"),
        413: _error("MEDIA_TOO_LARGE"),
        415: _error("MEDIA_TYPE_UNSUPPORTED or MEDIA_TYPE_MISMATCH (first part)"),
        507: _error(
            "STORAGE_FULL: the server's disk is full; the part was not kept, send it again later"
        ),
    },
)
async def upload_part(
    request: Request[Any, Any, Any],
    state: State,
    upload_id: FromPath[str],
    offset: Annotated[int, Parameter(ge=0)],
) -> UploadOut:
    scope = _writer(request, state)
    _announced_over(request, state.settings.media_max_part_bytes)
    doc = await ResumableUploads(media_service(state.settings), scope).put_part(
        upload_id, offset, _body(request)
    )
    return _upload_out(doc)


@post(
    "/media/uploads/{upload_id:str}/complete",
    summary="Finish a resumable upload: the asset",
    tags=TAGS,
    status_code=201,
    responses={
        **_TOKEN,
        404: _error("NOT_FOUND"),
        409: _error("UPLOAD_INCOMPLETE"),
        410: _error("UPLOAD_EXPIRED: start the upload again"),
        415: _error("MEDIA_TYPE_MISMATCH"),
        422: _error(
            "MEDIA_UNREADABLE, IMAGE_TOO_LARGE (over RONGHUB_MEDIA_MAX_IMAGE_PIXELS), IMAGE_TOO_MANY_FRAMES"
        ),
    },
)
async def complete_upload(
    request: Request[Any, Any, Any], state: State, upload_id: FromPath[str]
) -> AssetOut:
    scope = _writer(request, state)
    media = media_service(state.settings)
    return await to_out(media, await ResumableUploads(media, scope).complete(upload_id))


@delete(
    "/media/uploads/{upload_id:str}",
    summary="Abandon a resumable upload",
    tags=TAGS,
    status_code=204,
    responses={**_TOKEN, 404: _error("NOT_FOUND")},
)
async def abort_upload(
    request: Request[Any, Any, Any], state: State, upload_id: FromPath[str]
) -> None:
    scope = _writer(request, state)
    await ResumableUploads(media_service(state.settings), scope).abort(upload_id)


@get(
    "/media/assets/{asset_id:str}",
    summary="An asset",
    tags=TAGS,
    responses={**_TOKEN, 404: _error("NOT_FOUND")},
)
async def get_asset(
    request: Request[Any, Any, Any], state: State, asset_id: FromPath[str]
) -> AssetOut:
    scope = _writer(request, state)
    media = media_service(state.settings)
    return await to_out(media, await AssetStore(scope).require(asset_id))


@delete(
    "/media/assets/{asset_id:str}",
    summary="Delete an asset no story uses",
    tags=TAGS,
    status_code=204,
    responses={**_TOKEN, 404: _error("NOT_FOUND"), 409: _error("ASSET_IN_USE")},
)
async def delete_asset(
    request: Request[Any, Any, Any], state: State, asset_id: FromPath[str]
) -> None:
    scope = _writer(request, state)
    await media_service(state.settings).delete_asset(scope, asset_id)


@get(
    "/media/assets/{asset_id:str}/renditions/{spec:str}",
    summary="A rendition's signed URL (made on first request, then cached)",
    description="`spec` is a preset (wechat-cover 2.35:1, wechat-square 1:1, douyin-vertical 9:16, "
    "thumb, large) or `w=800,h=450,fit=crop,fmt=webp,q=80`. Crops centre on the asset's focal point.",
    tags=TAGS,
    responses={
        **_TOKEN,
        400: _error("RENDITION_SPEC_INVALID or RENDITION_UNSUPPORTED"),
        404: _error("NOT_FOUND"),
    },
)
async def rendition(
    request: Request[Any, Any, Any],
    state: State,
    asset_id: FromPath[str],
    # documented, not enforced here: parse_spec also reads the pairs in another order
    spec: Annotated[
        str,
        Parameter(
            description="a preset, or w=,h=,fit=,fmt=,q= in this order",
            schema_extra={"pattern": SPEC_PATTERN},
        ),
    ],
) -> LinkOut:
    scope = _writer(request, state)
    media = media_service(state.settings)
    asset = await AssetStore(scope).require(asset_id)
    key, mime = await media.rendition(scope, asset, spec)
    return LinkOut(url=await media.url(key, mime), mime=mime, spec=spec)


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(offset, length) of a single `bytes=` range; None for none or several (whole file)."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    start_text, _, end_text = header[6:].strip().partition("-")
    try:
        if start_text == "":
            suffix = int(end_text)
            if suffix <= 0:
                raise HubError(MediaCodes.RANGE_NOT_SATISFIABLE, size=size)
            start = max(0, size - suffix)
            return start, size - start
        start = int(start_text)
        end = int(end_text) if end_text else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        raise HubError(MediaCodes.RANGE_NOT_SATISFIABLE, size=size)
    return start, min(end, size - 1) - start + 1


@get(
    "/media/blobs/{key:path}",
    summary="Download through a signed URL (filesystem backend)",
    description="No token: the `exp` and `sig` query parameters are the permission. Supports a "
    "single `Range`. Tampered links get MEDIA_URL_INVALID, late ones MEDIA_URL_EXPIRED (403).",
    tags=TAGS,
    responses={
        403: _error("MEDIA_URL_INVALID or MEDIA_URL_EXPIRED"),
        404: _error("NOT_FOUND"),
        416: _error("RANGE_NOT_SATISFIABLE"),
    },
)
async def download(
    request: Request[Any, Any, Any], state: State, key: FromPath[str]
) -> Response[Any]:
    media = media_service(state.settings)
    key = key.lstrip("/")
    if media.store.backend != "filesystem":
        raise HubError(Codes.NOT_FOUND, what_zh="文件", what_en="blob", id=key)
    exp = request.query_params.get("exp")
    signing.verify(
        media.secret, signing.blob_path(key), exp, request.query_params.get("sig"), time.time()
    )
    try:
        size = await media.store.size(key)
        found = await media.head_type(key)
    except (BlobNotFound, ValueError):
        raise HubError(Codes.NOT_FOUND, what_zh="文件", what_en="blob", id=key) from None
    # The bytes under a key never change (a rendition's key names its spec and focal point),
    # so a CDN may keep them as long as the signed URL itself is valid, and revalidate by ETag.
    etag = f'"{hashlib.blake2b(f"{key}:{size}".encode(), digest_size=12).hexdigest()}"'
    headers = {
        "accept-ranges": "bytes",
        "cache-control": f"public, max-age={max(0, int(exp or 0) - int(time.time()))}, immutable",
        "etag": etag,
        "x-content-type-options": "nosniff",
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    mime = found.mime if found else "application/octet-stream"
    wanted = _parse_range(request.headers.get("range"), size)
    if wanted is None:
        headers["content-length"] = str(size)
        return Stream(media.store.get(key), media_type=mime, headers=headers)
    offset, length = wanted
    headers["content-length"] = str(length)
    headers["content-range"] = f"bytes {offset}-{offset + length - 1}/{size}"
    return Stream(
        media.store.get(key, offset, length), media_type=mime, headers=headers, status_code=206
    )


ROUTES = [
    upload,
    create_upload,
    create_direct_upload,
    upload_status,
    upload_part,
    complete_upload,
    abort_upload,
    get_asset,
    delete_asset,
    rendition,
    download,
]
