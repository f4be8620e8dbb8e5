"""A platform's HTTP API: base URL from configuration, OAuth tokens refreshed as needed.

One client speaks to one platform account. It puts the access token where the platform
wants it (a header for 抖音, a query parameter for WeChat), fetches a new one before it
expires or when the platform says it has, and turns throttling, 5xx and timeouts into
TransientDeliveryError so the engine retries. What a 200 answer's body means is the
channel's business; the client never interprets it beyond the token-expired codes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from ronghub_sdk import PermanentDeliveryError, TransientDeliveryError
from ronghub_sdk.transports import ApiResponse

from hub.transports.outbound import OutboundPolicy, check_outbound_url, guarded_client
from hub.transports.token_store import TokenState


@dataclass(frozen=True, slots=True)
class TokenConfig:
    """How one platform issues access tokens (the `token` section of a transport config).

    `params` values are templates filled from the channel's credentials and the current
    refresh token, e.g. {"client_key": "{client_key}", "refresh_token": "{refresh_token}"}.
    """

    path: str
    params: Mapping[str, str]
    method: str = "POST"
    send_as: str = "form"  # form | json | query
    response_root: str = ""  # e.g. "data" when the token sits in {"data": {...}}
    place: str = "header:access-token"  # or "query:access_token"
    expired_codes: tuple[str, ...] = ()
    error_paths: tuple[str, ...] = ("errcode", "data.error_code", "extra.error_code")
    refresh_margin_s: int = 300

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> TokenConfig:
        """Build from a configuration mapping (lists become tuples)."""
        data = dict(section)
        for key in ("expired_codes", "error_paths"):
            if key in data:
                data[key] = tuple(str(v) for v in data[key])
        return cls(**data)


class TokenStore(Protocol):
    """Where a client keeps its tokens beyond its own life (hub/transports/token_store.py)."""

    async def load(self) -> TokenState | None: ...

    async def save(self, state: TokenState) -> None: ...


def dig(value: Any, path: str) -> Any:
    """`value["a"]["b"]` for path "a.b"; None when any step is missing."""
    for part in path.split(".") if path else ():
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


# One refresh at a time per platform account in this process: deliveries run side by side
# (hub/jobs/worker.py), each with its own client, and two refreshes with the same refresh
# token would have the platform rotate it under the second (douyin: refresh_token 无效).
_ACCOUNT_LOCKS: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _account_lock(base_url: str, credentials: Mapping[str, str]) -> asyncio.Lock:
    key = hashlib.sha256(
        json.dumps([base_url, dict(credentials)], sort_keys=True).encode()
    ).hexdigest()
    lock = _ACCOUNT_LOCKS.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _ACCOUNT_LOCKS[key] = lock
    return lock


@dataclass
class PlatformApiClient:
    """A PlatformApi (see ronghub_sdk.transports) over httpx."""

    base_url: str
    token: TokenConfig | None = None
    credentials: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 15.0
    allow_loopback: bool = False
    client: httpx.AsyncClient | None = None
    # the deployment's outbound policy (allowed networks too); None: allow_loopback only
    policy: OutboundPolicy | None = None
    store: TokenStore | None = None
    _state: TokenState = field(default_factory=TokenState)
    _rejected: str | None = None  # an access token the platform called expired
    _lock: asyncio.Lock = field(init=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._state.refresh_token = self.credentials.get("refresh_token")
        self._lock = _account_lock(self.base_url, self.credentials)

    def _policy(self) -> OutboundPolicy:
        return self.policy or OutboundPolicy(self.allow_loopback)

    def _http(self) -> httpx.AsyncClient:
        # guarded: the address checked is the address connected to (no DNS rebinding)
        if self.client is None:
            self.client = guarded_client(self._policy(), timeout_s=self.timeout_s)
        return self.client

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    # -- tokens ---------------------------------------------------------------------

    def _fresh(self, state: TokenState) -> bool:
        margin = self.token.refresh_margin_s if self.token else 0
        return bool(state.access_token) and time.time() < state.expires_at - margin

    async def _adopt_stored(self) -> bool:
        """Take the saved tokens (another process, or this one before a restart, may have
        refreshed). True when they differ from what this client holds."""
        stored = await self.store.load() if self.store is not None else None
        if stored is None or (stored.access_token, stored.refresh_token) == (
            self._state.access_token,
            self._state.refresh_token,
        ):
            return False
        if stored.access_token == self._rejected:
            stored.access_token = None
        self._state = stored
        return True

    async def _access_token(self) -> str | None:
        if self.token is None:
            return None
        async with self._lock:  # one refresh at a time, the others reuse its token
            if not self._fresh(self._state):
                await self._adopt_stored()
            if self._fresh(self._state):
                return self._state.access_token
            try:
                return await self._refresh()
            except PermanentDeliveryError:
                # a refresh token rotated by another process since we loaded it: once more
                if await self._adopt_stored():
                    return (
                        self._state.access_token
                        if self._fresh(self._state)
                        else await self._refresh()
                    )
                raise

    async def _refresh(self) -> str:
        assert self.token is not None
        state = self._state
        values = {**self.credentials, "refresh_token": state.refresh_token or ""}
        params = {k: v.format_map(values) for k, v in self.token.params.items()}
        kwargs: dict[str, Any] = {
            "form": {"data": params},
            "json": {"json": params},
            "query": {"params": params},
        }[self.token.send_as]
        response = await self._send(self.token.method, self.token.path, **kwargs)
        body = (
            dig(response.json, self.token.response_root)
            if self.token.response_root
            else response.json
        )
        token = dig(body, "access_token")
        if not token:
            raise PermanentDeliveryError(
                f"平台拒绝发放访问令牌,请检查渠道的账号凭据:{str(response.json)[:200]}",
                f"the platform issued no access token: {str(response.json)[:200]}",
            )
        fresh = TokenState(
            access_token=str(token),
            expires_at=time.time() + float(dig(body, "expires_in") or 7200),
            refresh_token=str(dig(body, "refresh_token") or state.refresh_token or "") or None,
        )
        self._state = fresh
        if self.store is not None:  # at once: a rotated refresh token exists nowhere else
            await self.store.save(fresh)
        return str(token)

    def invalidate_token(self) -> None:
        """Forget the access token (the next call fetches a new one)."""
        self._rejected = self._state.access_token
        self._state.access_token = None

    # -- requests -------------------------------------------------------------------

    async def _send(self, method: str, path: str, **kwargs: Any) -> ApiResponse:
        url = path if urlsplit(path).scheme else self.base_url + path
        await check_outbound_url(url, policy=self._policy())
        try:
            response = await self._http().request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientDeliveryError(
                "平台响应超时,稍后自动重试", f"{method} {path} timed out"
            ) from exc
        except httpx.TransportError as exc:
            raise TransientDeliveryError(
                "无法连接平台,稍后自动重试", f"{method} {path} failed: {exc!r}"
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("retry-after")
            raise TransientDeliveryError(
                f"平台限流或故障(HTTP {response.status_code}),稍后自动重试",
                f"{method} {path} answered {response.status_code}",
                platform_code=str(response.status_code),
                retry_after_s=float(retry_after) if retry_after and retry_after.isdigit() else None,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        return ApiResponse(response.status_code, body, dict(response.headers), response.text)

    def _error_code(self, body: Any) -> str | None:
        for path in self.token.error_paths if self.token else ():
            code = dig(body, path)
            if code not in (None, 0, "0", ""):
                return str(code)
        return None

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """One authorised request; a token the platform calls expired is renewed once."""
        for attempt in (1, 2):
            query = dict(params or {})
            head = dict(headers or {})
            token = await self._access_token()
            if token and self.token:
                where, name = self.token.place.split(":", 1)
                (head if where == "header" else query)[name] = token
            response = await self._send(
                method.upper(),
                path,
                params=query or None,
                json=json,
                files=files,
                data=data,
                headers=head,
            )
            code = self._error_code(response.json)
            if attempt == 1 and self.token and code in self.token.expired_codes:
                self.invalidate_token()
                continue
            return response
        return response

    async def upload_chunked(
        self,
        content: bytes,
        *,
        chunk_size: int,
        init: Callable[[], Awaitable[str]],
        part: Callable[[str, int, bytes], Awaitable[None]],
        complete: Callable[[str], Awaitable[Any]],
    ) -> Any:
        """Upload in parts: init -> upload id; part(id, n from 1, bytes) each; complete(id)."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        upload_id = await init()
        for number, start in enumerate(range(0, max(len(content), 1), chunk_size), start=1):
            await part(upload_id, number, content[start : start + chunk_size])
        return await complete(upload_id)

    async def fetch_asset(self, url: str) -> bytes:
        """An asset's bytes from a file:// path or an http(s) URL (outbound-checked)."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            return await asyncio.to_thread(Path(parts.path).read_bytes)
        await check_outbound_url(url, policy=self._policy())
        try:
            response = await self._http().get(url)
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(
                "读取素材文件失败,稍后重试", f"fetching {url} failed"
            ) from exc
        if response.status_code != 200:
            raise PermanentDeliveryError(
                f"素材文件无法读取(HTTP {response.status_code}),请检查稿件附件",
                f"asset {url}: {response.status_code}",
            )
        return response.content
