"""Error kinds of the console's cookie session (CSRF refusals are 403)."""

from __future__ import annotations

from hub.errors import ErrorKind


class ConsoleCodes:
    CSRF_MISSING = ErrorKind(
        "CSRF_MISSING",
        "请求缺少编辑台的防伪标记(X-Ronghub-CSRF),请刷新页面后重试。",
        "The request carries the console session cookie but no X-Ronghub-CSRF header; reload the page and retry.",
        403,
    )
    CSRF_INVALID = ErrorKind(
        "CSRF_INVALID",
        "编辑台的防伪标记与登录会话不符,请刷新页面或重新登录。",
        "The X-Ronghub-CSRF header does not match the console session; reload the page or sign in again.",
        403,
    )
    CONSOLE_SIGNED_OUT = ErrorKind(
        "CONSOLE_SIGNED_OUT",
        "编辑台登录已结束,请重新登录。",
        "The console session has ended; sign in again.",
        401,
    )
    CROSS_ORIGIN = ErrorKind(
        "CROSS_ORIGIN",
        "登录请求来自其他网站,已拒绝。",
        "The sign-in request came from another origin and was refused.",
        403,
    )
