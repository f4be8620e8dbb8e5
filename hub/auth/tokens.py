"""Turning a request's credentials into a `Scope`.

Until real identity exists, one development token (RONGHUB_DEV_TOKEN; `dev-token` in
development mode) grants newsroom access to the default tenant. No token means the
anonymous public read model. A token that is present but wrong is refused: it is
never silently treated as anonymous.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from hub.errors import Codes, HubError
from hub.settings import Settings
from hub.store.scope import Scope

DEV_ACTOR = "dev"


def scope_for_request(request: Request[Any, Any, Any], settings: Settings) -> Scope:
    header = request.headers.get("authorization")
    if not header:
        return Scope(tenant=settings.default_tenant, actor=None, public_only=True)
    scheme, _, token = header.partition(" ")
    expected = settings.effective_dev_token
    if scheme.lower() != "bearer" or not token or expected is None:
        raise HubError(Codes.UNAUTHENTICATED)
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise HubError(Codes.UNAUTHENTICATED)
    return Scope(tenant=settings.default_tenant, actor=DEV_ACTOR, public_only=False)
