"""Error kinds of sign-in, tokens and permissions (all refusals are 401 or 403)."""

from __future__ import annotations

from hub.errors import ErrorKind


class AuthCodes:
    TOKEN_EXPIRED = ErrorKind(
        "TOKEN_EXPIRED",
        "访问令牌已过期,请用刷新令牌换取新令牌或重新登录。",
        "The access token has expired; refresh it or sign in again.",
        401,
    )
    TOKEN_INVALID = ErrorKind(
        "TOKEN_INVALID",
        "访问令牌无效(签名不符或格式错误),请重新登录。",
        "The access token is invalid (bad signature or malformed); sign in again.",
        401,
    )
    TOKEN_WRONG_AUDIENCE = ErrorKind(
        "TOKEN_WRONG_AUDIENCE",
        "访问令牌不是签发给本系统的(受众或签发方不符)。",
        "The access token was issued for another audience or by another issuer.",
        401,
    )
    TOKEN_REVOKED = ErrorKind(
        "TOKEN_REVOKED",
        "访问令牌已被吊销(已退出登录或会话被终止),请重新登录。",
        "The access token has been revoked (signed out or session ended); sign in again.",
        401,
    )
    TOKEN_UNKNOWN_KEY = ErrorKind(
        "TOKEN_UNKNOWN_KEY",
        "访问令牌的签名密钥未知或已停用,请重新登录。",
        "The access token names an unknown or withdrawn signing key; sign in again.",
        401,
    )
    SESSION_ENDED = ErrorKind(
        "SESSION_ENDED",
        "登录已失效,请重新登录(账号的权限、密码或状态已变更,或管理员结束了登录会话)。",
        "Your sign-in is no longer valid: the account's roles, password or status changed, "
        "or an administrator ended its sessions; sign in again.",
        401,
    )
    RATE_LIMITED = ErrorKind(
        "RATE_LIMITED",
        "登录请求过于频繁(按{what_zh}计),请在 {seconds} 秒后重试。",
        "Too many sign-in requests (per {what_en}); try again in {seconds} seconds.",
        429,
    )
    WRONG_PASSWORD = ErrorKind(
        "WRONG_PASSWORD",
        "当前密码不正确。",
        "The current password is wrong.",
        400,
    )
    INVALID_GRANT = ErrorKind(
        "INVALID_GRANT",
        "用户名或密码不正确,或刷新令牌无效。",
        "Wrong username or password, or an invalid refresh token.",
        400,
    )
    SIGN_IN_THROTTLED = ErrorKind(
        "SIGN_IN_THROTTLED",
        "该用户名(或客户端)近期登录失败次数过多,请在 {seconds} 秒后重试;如非本人操作,请联系管理员。",
        "Too many failed sign-ins for this name recently; try again in {seconds} seconds. "
        "If that was not you, tell an administrator.",
        429,
    )
    INVALID_CLIENT = ErrorKind(
        "INVALID_CLIENT",
        "客户端身份验证失败(client_id 或密钥不正确)。",
        "Client authentication failed (wrong client_id or secret).",
        401,
    )
    CLIENT_DISABLED = ErrorKind(
        "CLIENT_DISABLED",
        "合作方账号已停用:不能再获取或使用访问令牌,请联系融媒体中心管理员。",
        "This partner client has been disabled: it can no longer obtain or use access tokens; "
        "contact the media center's administrator.",
        401,
    )
    CLIENT_SESSION_ENDED = ErrorKind(
        "CLIENT_SESSION_ENDED",
        "合作方访问令牌已失效(管理员更换了密钥并结束了已签发的令牌,或曾停用该合作方),请用当前密钥重新获取令牌。",
        "This client access token is no longer valid (the secret was rotated and issued tokens ended, "
        "or the client was disabled meanwhile); get a new token with the current secret.",
        401,
    )
    CLIENT_CHANGED = ErrorKind(
        "CLIENT_CHANGED",
        "合作方客户端 {id} 刚被他人修改(例如同时更换了密钥),请刷新后重试。",
        "Client {id} was changed meanwhile (e.g. its secret was rotated at the same time); reload and retry.",
        409,
    )
    UNSUPPORTED_GRANT = ErrorKind(
        "UNSUPPORTED_GRANT_TYPE",
        "不支持的授权类型:{grant_type}。",
        "Unsupported grant type: {grant_type}.",
        400,
    )
    INVALID_SCOPE = ErrorKind(
        "INVALID_SCOPE",
        "申请的权限范围无效或超出允许范围:{scope}。",
        "The requested scope is invalid or exceeds what is allowed: {scope}.",
        400,
    )
    OIDC_FAILED = ErrorKind(
        "OIDC_FAILED",
        "外部统一身份认证登录失败:{reason_zh}",
        "Sign-in through the external identity provider failed: {reason_en}",
        401,
    )
    AUDIT_BROKEN = ErrorKind(
        "AUDIT_CHAIN_BROKEN",
        "审计日志校验失败:{entry} {reason_zh}",
        "Audit log verification failed at {entry}: {reason_en}",
        500,
    )
