"""Errors every door of the hub reports the same way.

A `HubError` carries a stable machine code, a Chinese message an editor can act on and
the English text. GraphQL puts them in `errors[].extensions`, REST in the JSON body.
The catalogue below is the single list of codes; a test checks each has both texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_REGISTRY: dict[str, ErrorKind] = {}


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """One kind of error. Creating it registers its code; codes are unique hub-wide.

    Subsystems declare their own kinds in their own module (e.g. `hub/media/errors.py`);
    `all_kinds()` is the catalogue the docs and tests read.
    """

    code: str
    zh: str
    en: str
    http_status: int = 400

    def __post_init__(self) -> None:
        if self.code in _REGISTRY and _REGISTRY[self.code] != self:
            raise ValueError(f"error code {self.code} is declared twice")
        _REGISTRY[self.code] = self


def all_kinds() -> list[ErrorKind]:
    """Every registered error kind (import the subsystems first to see theirs)."""
    return sorted(_REGISTRY.values(), key=lambda k: k.code)


class Codes:
    """The stable error codes. Messages may use `{placeholders}` filled from details.

    `message_zh` is Chinese and `message_en` English, nothing mixed: a placeholder both
    texts use carries a language-neutral value (an id, a number, a name, a code); free
    text comes as a pair, `reason_zh` for the Chinese and `reason_en` for the English
    (tests/unit/test_error_texts.py walks every code and every call that raises one).
    """

    BAD_REQUEST = ErrorKind(
        "BAD_REQUEST", "请求格式不正确:{reason_zh}", "Malformed request: {reason_en}"
    )
    METHOD_NOT_ALLOWED = ErrorKind(
        "METHOD_NOT_ALLOWED",
        "此地址不接受 {method} 请求,可用的方法见响应头 Allow({allow})。",
        "{method} is not allowed here; the Allow header lists the methods that are ({allow}).",
        405,
    )
    GRAPHQL_SYNTAX = ErrorKind(
        "GRAPHQL_SYNTAX",
        "查询语句有语法错误{where_zh},请检查括号、引号和字段名。",
        "GraphQL syntax error: {reason_en}",
    )
    GRAPHQL_VALIDATION = ErrorKind(
        "GRAPHQL_VALIDATION",
        "查询与接口定义不符(字段或参数名称、类型有误){where_zh},请对照 schema.graphql 修改。",
        "The query does not match the schema: {reason_en}",
    )
    QUERY_TOO_DEEP = ErrorKind(
        "QUERY_TOO_DEEP",
        "查询嵌套层数为 {depth},超过上限 {limit},请减少嵌套。",
        "Query depth {depth} exceeds the limit of {limit}.",
    )
    QUERY_TOO_COSTLY = ErrorKind(
        "QUERY_TOO_COSTLY",
        "查询预计代价 {cost} 超过上限 {limit},请减少每页条数或所取字段。",
        "Estimated query cost {cost} exceeds the limit of {limit}.",
    )
    TOO_MANY_ALIASES = ErrorKind(
        "TOO_MANY_ALIASES",
        "查询使用了 {count} 个别名,超过上限 {limit}。",
        "The query uses {count} aliases, more than the limit of {limit}.",
    )
    FIELD_REPEATED = ErrorKind(
        "FIELD_REPEATED",
        "字段 {field} 在同一层被选取了 {count} 次(含片段展开),超过上限 {limit},请去掉重复的字段或片段。",
        "The field {field} is selected {count} times in one selection (fragments included), "
        "more than the limit of {limit}.",
    )
    INTROSPECTION_DISABLED = ErrorKind(
        "INTROSPECTION_DISABLED",
        "本服务未开放接口结构查询(__schema、__type),请使用发布的接口定义文件 schema.graphql。",
        "Introspection (__schema, __type) is disabled here; use the published schema.graphql.",
    )
    TOO_MANY_SUBSCRIPTIONS = ErrorKind(
        "TOO_MANY_SUBSCRIPTIONS",
        "一个连接最多同时订阅 {limit} 项,请先结束不再需要的订阅。",
        "At most {limit} subscriptions may run on one connection; complete one first.",
    )
    TOO_MANY_TOKENS = ErrorKind(
        "TOO_MANY_TOKENS",
        "查询语句过长(超过 {limit} 个记号),请精简查询。",
        "The query has more than {limit} tokens.",
    )
    REQUEST_TOO_LARGE = ErrorKind(
        "REQUEST_TOO_LARGE",
        "请求内容过大(上限 {limit} 字节)。",
        "The request body is larger than the limit of {limit} bytes.",
        413,
    )
    JSON_TOO_DEEP = ErrorKind(
        "JSON_TOO_DEEP",
        "请求中的 JSON 嵌套超过 {limit} 层,请减少嵌套。",
        "The JSON in the request is nested more than {limit} levels deep.",
    )
    UNSUPPORTED_MEDIA_TYPE = ErrorKind(
        "UNSUPPORTED_MEDIA_TYPE",
        "请求内容类型 {content_type} 不受支持,请以 application/json 发送。",
        "The content type {content_type} is not supported; send application/json.",
        415,
    )
    BODY_TOO_LONG = ErrorKind(
        "BODY_TOO_LONG",
        "正文有 {length} 个字符,超过上限 {limit},请拆分稿件或删减内容。",
        "The body has {length} characters, more than the limit of {limit}.",
    )
    UNSAFE_HTML = ErrorKind(
        "UNSAFE_HTML",
        "正文含有不允许的脚本或事件代码({found}),请删除后再保存。",
        "The body contains script or event-handler markup ({found}); remove it and save again.",
    )
    INVALID_INPUT = ErrorKind(
        "INVALID_INPUT", "{field} 填写有误:{reason_zh}", "{field}: {reason_en}"
    )
    UNAUTHENTICATED = ErrorKind(
        "UNAUTHENTICATED",
        "请先登录:此操作需要有效的访问令牌。",
        "Sign in first: this operation needs a valid access token.",
        401,
    )
    FORBIDDEN = ErrorKind(
        "FORBIDDEN", "没有权限执行此操作:{reason_zh}", "Not allowed: {reason_en}", 403
    )
    NOT_FOUND = ErrorKind("NOT_FOUND", "找不到{what_zh}({id})。", "No {what_en} with id {id}.", 404)
    IDEMPOTENCY_KEY_REUSED = ErrorKind(
        "IDEMPOTENCY_KEY_REUSED",
        "幂等键 {key} 已用于另一次内容不同的{operation_zh}请求;重试时请原样提交,新建请换一个新的幂等键。",
        "The idempotency key {key} was already used for a different {operation} request; retry with the same "
        "input, or use a new key for a new object.",
        422,
    )
    VERSION_CONFLICT = ErrorKind(
        "VERSION_CONFLICT",
        "稿件已被他人修改(当前版本 {current},你编辑的是版本 {expected}),请刷新后再改。",
        "The story was changed by someone else (current version {current}, "
        "you edited version {expected}); reload and edit again.",
        409,
    )
    INTERNAL = ErrorKind(
        "INTERNAL",
        "服务器内部错误,已记录(编号 {ref}),请稍后重试或联系技术人员。",
        "Internal server error (reference {ref}); try again later or contact support.",
        500,
    )
    STORE_UNAVAILABLE = ErrorKind(
        "STORE_UNAVAILABLE",
        "数据库暂时不可用,请稍后重试。",
        "The document store is unavailable; try again later.",
        503,
    )
    WORKERS_STARTING = ErrorKind(
        "WORKERS_STARTING",
        "服务的部分工作进程正在启动或重启({serving}/{workers} 个可用),请稍后重试。",
        "Some of the hub's API worker processes are starting or restarting "
        "({serving} of {workers} serving); try again shortly.",
        503,
    )
    STORAGE_FULL = ErrorKind(
        "STORAGE_FULL",
        "服务器存储空间已满,本次内容未保存。请联系技术人员清理磁盘后重试。",
        "The server's storage is full; nothing was saved. Ask an operator to free disk space, then try again.",
        507,
    )


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class HubError(Exception):
    """An error whose text is safe and useful to show to the person who caused it."""

    def __init__(self, kind: ErrorKind, **details: Any) -> None:
        self.kind = kind
        self.details = details
        self.message_zh = kind.zh.format_map(_SafeDict(details))
        self.message_en = kind.en.format_map(_SafeDict(details))
        super().__init__(self.message_en)

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def http_status(self) -> int:
        return self.kind.http_status

    def as_dict(self) -> dict[str, Any]:
        """The wire form shared by GraphQL extensions and REST bodies."""
        return {
            "code": self.code,
            "message": self.message_zh,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": {k: v for k, v in self.details.items() if _jsonable(v)},
        }


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict) or value is None


def invalid(field: str, reason_zh: str, reason_en: str, **details: Any) -> HubError:
    """Shorthand for an input error on one field."""
    return HubError(
        Codes.INVALID_INPUT, field=field, reason_zh=reason_zh, reason_en=reason_en, **details
    )
